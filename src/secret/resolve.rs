//! Whose secret is whose. A command's secrets come from its flags
//! (`--secret-env PROVIDER=VAR`, a plain `--secret-env VAR`, `--secret`,
//! `HOOKCLI_SECRET`), from hookcli.toml (`[secrets]`, `secret_env`) and from
//! each provider's conventional variable (`STRIPE_WEBHOOK_SECRET`); they are
//! read once here and looked up per provider by every command. Knows no
//! clap: commands hand it what they were given.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::Secret;
use crate::provider::{self, KeyRole};

/// One `--secret-env` value: `VAR` (the plain secret) or `PROVIDER=VAR`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretEnv {
    pub provider: Option<String>,
    pub var: String,
}

impl FromStr for SecretEnv {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        // A variable's name cannot hold `=`, so one means PROVIDER=VAR.
        let Some((name, var)) = s.split_once('=') else {
            if s.is_empty() {
                return Err("an empty variable name".into());
            }
            return Ok(SecretEnv {
                provider: None,
                var: s.into(),
            });
        };
        let name = name.to_ascii_lowercase();
        if !provider::NAMES.contains(&name.as_str()) {
            return Err(format!(
                "{name:?} is not a provider (known: {})",
                provider::NAMES.join(", ")
            ));
        }
        if var.is_empty() {
            return Err(format!("{s:?} names no variable after `=`"));
        }
        Ok(SecretEnv {
            provider: Some(name),
            var: var.into(),
        })
    }
}

/// Where a secret came from: what banners and `config` say, never the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `--secret` on the command line.
    Flag,
    /// The `HOOKCLI_SECRET` variable.
    HookcliSecret,
    /// A variable `--secret-env` named.
    FlagVar(String),
    /// A variable hookcli.toml named (`[secrets]` or `secret_env`).
    FileVar(String),
    /// The provider's conventional variable.
    DefaultVar(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag => f.write_str("--secret"),
            Origin::HookcliSecret => f.write_str("$HOOKCLI_SECRET"),
            Origin::FlagVar(v) => write!(f, "${v} (--secret-env)"),
            Origin::FileVar(v) => write!(f, "${v} (hookcli.toml)"),
            Origin::DefaultVar(v) => write!(f, "${v} (default variable)"),
        }
    }
}

/// A secret and where it came from.
#[derive(Clone, Debug)]
pub struct Found {
    pub secret: Secret,
    pub origin: Origin,
}

/// Whom the plain secret (one given without a provider's name) is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    One(String),
    /// No provider is in use: every provider without a secret of its own.
    Every,
}

/// What a command was given, before any variable is read.
#[derive(Default)]
pub struct Given<'a> {
    /// `--secret`, or `HOOKCLI_SECRET` (clap puts either here).
    pub secret: Option<&'a str>,
    pub secret_env: &'a [SecretEnv],
    /// hookcli.toml's `[secrets]`: provider -> variable.
    pub file_secrets: Option<&'a BTreeMap<String, String>>,
    /// hookcli.toml's plain `secret_env`.
    pub file_secret_env: Option<&'a str>,
    /// The provider the command is for (`--provider`), if one.
    pub provider: Option<&'a str>,
    /// Providers the command names elsewhere (listen's `--route`s).
    pub also_named: &'a [&'a str],
}

/// A command's secrets, resolved: which one each provider gets.
#[derive(Debug)]
pub struct Secrets {
    role: KeyRole,
    flag: BTreeMap<String, Found>,
    plain_flag: Option<(Found, Scope)>,
    file: BTreeMap<String, Found>,
    plain_file: Option<(Found, Scope)>,
    defaults: BTreeMap<&'static str, Found>,
    /// Variables hookcli.toml names that are not set, by provider.
    file_unset: BTreeMap<String, String>,
}

/// A variable's value; `None` when it is unset or empty.
fn read(var: &str) -> Option<Secret> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .map(Secret::new)
}

/// A variable a flag or the file named: an error when it holds nothing,
/// saying how to set it and, when the variable is `whose` secret, where
/// that provider shows it.
fn read_named(var: &str, named_by: &str, whose: Option<&str>) -> Result<Secret, String> {
    let state = match std::env::var(var) {
        Ok(v) if !v.is_empty() => return Ok(Secret::new(v)),
        Ok(_) => "is empty",
        Err(_) => "is not set",
    };
    let where_ = whose
        .and_then(provider::by_name)
        .map(|p| format!(" ({}'s: {})", p.name(), p.info().secret_hint))
        .unwrap_or_default();
    Err(format!(
        "environment variable {var} (named by {named_by}) {state}: export {var}=<the secret>{where_}"
    ))
}

/// The provider a plain variable's secret is for, when that is one.
fn one_provider(var: &str, given: &Given) -> Option<String> {
    match scope(Some(var), given) {
        Scope::One(p) => Some(p),
        Scope::Every => None,
    }
}

/// Whom a plain secret is for: the command's provider, else the provider
/// whose conventional variable it is, else the one provider named elsewhere,
/// else every provider without its own.
fn scope(var: Option<&str>, given: &Given) -> Scope {
    if let Some(p) = given.provider {
        return Scope::One(p.into());
    }
    if let Some(owner) = var.and_then(provider::owner_of_env) {
        return Scope::One(owner.into());
    }
    let mut named = given.also_named.to_vec();
    named.sort_unstable();
    named.dedup();
    match named.as_slice() {
        [one] => Scope::One((*one).into()),
        _ => Scope::Every,
    }
}

impl Secrets {
    /// Reads every variable the command may need, for `role` (an asymmetric
    /// scheme signs with its private key and verifies with its public one).
    pub fn resolve(given: &Given, role: KeyRole) -> Result<Secrets, String> {
        let mut flag = BTreeMap::new();
        let mut plain_flag = None;
        for e in given.secret_env {
            match &e.provider {
                Some(p) => {
                    let named_by = format!("--secret-env {p}={}", e.var);
                    let found = Found {
                        secret: read_named(&e.var, &named_by, Some(p))?,
                        origin: Origin::FlagVar(e.var.clone()),
                    };
                    if flag.insert(p.clone(), found).is_some() {
                        return Err(format!("--secret-env names {p}'s secret twice"));
                    }
                }
                None => {
                    if let Some((Found { origin, .. }, _)) = &plain_flag {
                        return Err(format!(
                            "--secret-env names two variables without a provider ({origin} and {}): write --secret-env PROVIDER=VAR for each",
                            e.var
                        ));
                    }
                    let found = Found {
                        secret: read_named(
                            &e.var,
                            "--secret-env",
                            one_provider(&e.var, given).as_deref(),
                        )?,
                        origin: Origin::FlagVar(e.var.clone()),
                    };
                    plain_flag = Some((found, scope(Some(&e.var), given)));
                }
            }
        }
        if let Some(value) = given.secret.filter(|s| !s.is_empty()) {
            let from_env = std::env::var("HOOKCLI_SECRET").ok().as_deref() == Some(value);
            match (&plain_flag, from_env) {
                // --secret-env VAR beats HOOKCLI_SECRET, as flags beat the environment.
                (Some(_), true) => {}
                (Some(_), false) => {
                    return Err("--secret and a plain --secret-env both give the secret: keep one, or write --secret-env PROVIDER=VAR".into());
                }
                (None, _) => {
                    let origin = if from_env {
                        Origin::HookcliSecret
                    } else {
                        Origin::Flag
                    };
                    let found = Found {
                        secret: Secret::new(value),
                        origin,
                    };
                    plain_flag = Some((found, scope(None, given)));
                }
            }
        }
        let mut file = BTreeMap::new();
        let mut file_unset = BTreeMap::new();
        for (p, var) in given.file_secrets.into_iter().flatten() {
            match read(var) {
                Some(secret) => {
                    let origin = Origin::FileVar(var.clone());
                    file.insert(p.clone(), Found { secret, origin });
                }
                None => {
                    file_unset.insert(p.clone(), var.clone());
                }
            }
        }
        // The file's plain secret stands in only for a plain flag.
        let plain_file = match (given.file_secret_env, &plain_flag) {
            (Some(var), None) => Some((
                Found {
                    secret: read_named(
                        var,
                        "secret_env in hookcli.toml",
                        one_provider(var, given).as_deref(),
                    )?,
                    origin: Origin::FileVar(var.into()),
                },
                scope(Some(var), given),
            )),
            _ => None,
        };
        let defaults = provider::SECRET_ENV
            .iter()
            .filter_map(|(p, _, _)| {
                let var = provider::secret_env(p, role)?;
                let secret = read(var)?;
                let origin = Origin::DefaultVar(var);
                Some((*p, Found { secret, origin }))
            })
            .collect();
        Ok(Secrets {
            role,
            flag,
            plain_flag,
            file,
            plain_file,
            defaults,
            file_unset,
        })
    }

    /// The secret for `provider`: named on the command line, the plain one
    /// when it is this provider's, named in the file, the file's plain one,
    /// the provider's conventional variable, then a plain one meant for
    /// every provider without its own.
    pub fn get(&self, provider: &str) -> Option<&Found> {
        fn plain<'a>(
            p: &'a Option<(Found, Scope)>,
            provider: &str,
            every: bool,
        ) -> Option<&'a Found> {
            p.as_ref()
                .filter(|(_, s)| match s {
                    Scope::One(o) => !every && o == provider,
                    Scope::Every => every,
                })
                .map(|(f, _)| f)
        }
        self.flag
            .get(provider)
            .or_else(|| plain(&self.plain_flag, provider, false))
            .or_else(|| self.file.get(provider))
            .or_else(|| plain(&self.plain_file, provider, false))
            .or_else(|| self.defaults.get(provider))
            .or_else(|| plain(&self.plain_flag, provider, true))
            .or_else(|| plain(&self.plain_file, provider, true))
    }

    /// The plain secret (given without a provider's name), if any.
    pub fn plain(&self) -> Option<&Found> {
        self.plain_flag
            .as_ref()
            .or(self.plain_file.as_ref())
            .map(|(f, _)| f)
    }

    /// True when no secret was found anywhere.
    pub fn is_empty(&self) -> bool {
        self.all().next().is_none()
    }

    /// Every secret found, to keep all of them out of recorded headers.
    pub fn values(&self) -> impl Iterator<Item = &Secret> {
        self.all().map(|f| &f.secret)
    }

    fn all(&self) -> impl Iterator<Item = &Found> {
        self.flag
            .values()
            .chain(self.plain_flag.iter().map(|(f, _)| f))
            .chain(self.file.values())
            .chain(self.plain_file.iter().map(|(f, _)| f))
            .chain(self.defaults.values())
    }

    /// Who gets which secret, in `providers`' order: one line's worth each,
    /// `(provider, origin)`, and `("every other provider", origin)` for a
    /// plain secret no provider claims. With `only`, that provider alone.
    pub fn sources(&self, only: Option<&str>) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = provider::NAMES
            .iter()
            .filter(|p| only.is_none_or(|o| o == **p))
            .filter(|p| only.is_some() || self.has_own(p))
            .filter_map(|p| self.get(p).map(|f| (p.to_string(), f.origin.to_string())))
            .collect();
        if only.is_none()
            && let Some((f, Scope::Every)) = self.plain_flag.as_ref().or(self.plain_file.as_ref())
        {
            let who = if out.is_empty() {
                "every provider"
            } else {
                "every other provider"
            };
            out.push((who.into(), f.origin.to_string()));
        }
        out
    }

    /// Whether `provider` has a secret of its own (not a plain one meant
    /// for every provider).
    pub fn has_own(&self, provider: &str) -> bool {
        let mine =
            |p: &Option<(Found, Scope)>| matches!(p, Some((_, Scope::One(o))) if o == provider);
        self.flag.contains_key(provider)
            || mine(&self.plain_flag)
            || self.file.contains_key(provider)
            || mine(&self.plain_file)
            || self.defaults.contains_key(provider)
    }

    /// Where the plain secret came from and the one provider it is for,
    /// when that is another than `provider`: `--secret-env
    /// STRIPE_WEBHOOK_SECRET` re-signing a GitHub delivery says why GitHub
    /// got none.
    pub fn plain_elsewhere(&self, provider: &str) -> Option<(&Origin, &str)> {
        match self.plain_flag.as_ref().or(self.plain_file.as_ref()) {
            Some((f, Scope::One(owner))) if owner != provider => Some((&f.origin, owner)),
            _ => None,
        }
    }

    /// What would have given `provider` a secret: the variable hookcli.toml
    /// names for it (not set), else its conventional variable; `None` for
    /// a provider that has none (Zapier).
    pub fn wanted(&self, provider: &str) -> Option<String> {
        if let Some(var) = self.file_unset.get(provider) {
            return Some(format!("set {var} (hookcli.toml names it)"));
        }
        provider::secret_env(provider, self.role).map(|var| format!("export {var}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envs(list: &[&str]) -> Vec<SecretEnv> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn a_secret_env_is_a_variable_or_a_provider_and_one() {
        assert_eq!(
            "GH".parse::<SecretEnv>().unwrap(),
            SecretEnv {
                provider: None,
                var: "GH".into()
            }
        );
        let named: SecretEnv = "GitHub=GH".parse().unwrap();
        assert_eq!(named.provider.as_deref(), Some("github"));
        assert!(
            "nope=X"
                .parse::<SecretEnv>()
                .unwrap_err()
                .contains("stripe")
        );
        assert!("stripe=".parse::<SecretEnv>().is_err());
    }

    #[test]
    fn the_plain_secret_goes_to_the_provider_in_use_else_to_every_one() {
        let given = Given {
            provider: Some("slack"),
            ..Given::default()
        };
        assert_eq!(scope(Some("X"), &given), Scope::One("slack".into()));
        let given = Given::default();
        assert_eq!(
            scope(Some("STRIPE_WEBHOOK_SECRET"), &given),
            Scope::One("stripe".into())
        );
        assert_eq!(scope(Some("X"), &given), Scope::Every);
        let given = Given {
            also_named: &["github", "github"],
            ..Given::default()
        };
        assert_eq!(scope(Some("X"), &given), Scope::One("github".into()));
        let given = Given {
            also_named: &["github", "stripe"],
            ..Given::default()
        };
        assert_eq!(scope(Some("X"), &given), Scope::Every);
    }

    #[test]
    fn two_plain_variables_or_one_provider_twice_are_refused() {
        // PATH is set wherever tests run.
        let list = envs(&["PATH", "HOME"]);
        let given = Given {
            secret_env: &list,
            ..Given::default()
        };
        let err = Secrets::resolve(&given, KeyRole::Verify).unwrap_err();
        assert!(err.contains("PROVIDER=VAR"), "{err}");
        let list = envs(&["stripe=PATH", "stripe=HOME"]);
        let given = Given {
            secret_env: &list,
            ..Given::default()
        };
        let err = Secrets::resolve(&given, KeyRole::Verify).unwrap_err();
        assert!(err.contains("stripe's secret twice"), "{err}");
    }

    #[test]
    fn a_named_secret_beats_a_plain_one_meant_for_every_provider() {
        let list = envs(&["github=PATH"]);
        let given = Given {
            secret: Some("plain-value"),
            secret_env: &list,
            ..Given::default()
        };
        let s = Secrets::resolve(&given, KeyRole::Verify).unwrap();
        assert_eq!(
            s.get("github").unwrap().origin,
            Origin::FlagVar("PATH".into())
        );
        assert_eq!(s.get("linear").unwrap().origin, Origin::Flag);
        let sources = s.sources(None);
        assert!(sources.contains(&("github".into(), "$PATH (--secret-env)".into())));
        assert!(sources.contains(&("every other provider".into(), "--secret".into())));
        assert!(!format!("{s:?}").contains("plain-value"));
    }
}
