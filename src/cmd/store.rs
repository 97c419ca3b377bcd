//! What the store commands share: finding the store and one delivery in it.

use crate::cli::StoreArgs;
use crate::store::{self, Attempt, Delivery, Lookup, Store, portable::rfc3339_ms, short_id};

use super::usage;

pub fn store(args: &StoreArgs) -> Store {
    Store::at(args.store.clone().unwrap_or_else(store::default_dir))
}

/// The delivery an id names, with its attempts; unknown and ambiguous ids
/// are usage errors that say what there is.
pub fn load(store: &Store, key: &str) -> anyhow::Result<(Delivery, Vec<Attempt>)> {
    let conn = store.open_read()?;
    let found = store::query::lookup(&conn, key).map_err(store.sqlite_err())?;
    match found {
        Lookup::Found(d) => {
            let attempts = store::query::attempts(&conn, &d.id).map_err(store.sqlite_err())?;
            Ok((*d, attempts))
        }
        Lookup::NotFound if key.trim().len() < 4 && key.trim() != "last" => Err(usage(format!(
            "{key:?} is too short to name a delivery: give 4 or more characters of its id, its short id, or `last`"
        ))),
        Lookup::NotFound => Err(usage(format!(
            "no delivery {key:?} in {} (ids are listed by `hookcli list`)",
            store.path.display()
        ))),
        Lookup::Ambiguous(candidates) => {
            let list: Vec<String> = candidates
                .iter()
                .map(|c| {
                    format!(
                        "{} ({} {} {})",
                        c.id,
                        rfc3339_ms(c.received_at),
                        c.provider.as_deref().unwrap_or("-"),
                        c.event_type.as_deref().unwrap_or("-")
                    )
                })
                .collect();
            Err(usage(format!(
                "{key:?} matches {} deliveries: {}; give more characters (the short id is the last 8: {})",
                candidates.len(),
                list.join(", "),
                short_id(&candidates[0].id)
            )))
        }
    }
}
