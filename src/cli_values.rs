//! How the domain's enums read on the command line. The enums themselves
//! know nothing of clap; their names and descriptions come from them, so
//! the two cannot drift apart.

use clap::ValueEnum;
use clap::builder::PossibleValue;

use crate::check::CaseName;
use crate::listen::Enforce;
use crate::provider::crypto::Algorithm;
use crate::provider::hmac::Encoding;
use crate::tamper::Tamper;

impl ValueEnum for Tamper {
    fn value_variants<'a>() -> &'a [Self] {
        Tamper::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.describe()))
    }
}

impl ValueEnum for CaseName {
    fn value_variants<'a>() -> &'a [Self] {
        &CaseName::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let value = PossibleValue::new(self.as_str());
        Some(match self.describe() {
            Some(help) => value.help(help),
            None => value,
        })
    }
}

impl ValueEnum for Enforce {
    fn value_variants<'a>() -> &'a [Self] {
        Enforce::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.describe()))
    }
}

impl ValueEnum for Algorithm {
    fn value_variants<'a>() -> &'a [Self] {
        &[Algorithm::Sha256, Algorithm::Sha1, Algorithm::Sha512]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha512 => "sha512",
        }))
    }
}

impl ValueEnum for Encoding {
    fn value_variants<'a>() -> &'a [Self] {
        &[Encoding::Hex, Encoding::Base64]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            Encoding::Hex => "hex",
            Encoding::Base64 => "base64",
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names clap takes are the names the JSON and the output use.
    #[test]
    fn command_line_names_match_the_serialised_ones() {
        for t in Tamper::value_variants() {
            let json = serde_json::to_value(t).unwrap();
            assert_eq!(json, t.to_possible_value().unwrap().get_name(), "{t:?}");
        }
        for c in CaseName::value_variants() {
            let json = serde_json::to_value(c).unwrap();
            assert_eq!(json, c.to_possible_value().unwrap().get_name(), "{c:?}");
        }
        for a in Algorithm::value_variants() {
            let json = serde_json::to_value(a).unwrap();
            assert_eq!(json, a.to_possible_value().unwrap().get_name(), "{a:?}");
        }
        for e in Encoding::value_variants() {
            let json = serde_json::to_value(e).unwrap();
            assert_eq!(json, e.to_possible_value().unwrap().get_name(), "{e:?}");
        }
    }
}
