//! The routing notifications' payloads, and their format version, so that
//! instances of two hookcli releases on one database (a rolling upgrade)
//! still route to each other.
//!
//! Version 1 is the unversioned form of the releases before versions:
//! `t:CHANNEL` (taken over), `d:ID` / `a:ID` (a delivery / answer waiting in
//! `relay_routed` row ID), `p:ID:ORIGIN:CHANNEL:FRAME` and
//! `r:ID:ANSWERED:FRAME` (a delivery / answer in the payload). It is still
//! read and written: an instance of that release cannot read anything else,
//! and upgrading from it must not cost a delivery.
//!
//! From version 2 on every payload starts `VERSION:KIND:ID:FROM:` and only
//! what follows may change: an instance that cannot read a newer version
//! still knows which delivery to refuse and whom to tell, so the sender gets
//! a 503 at once instead of a 504 after the timeout. A row a payload names is
//! in that payload's version.
//!
//! An instance advertises the newest version it reads in its id
//! (`<hex>_v2`; a bare `<hex>` is a release that reads version 1 only), so a
//! sender writes the newest version both read, and answers come back in the
//! version their delivery came in.

/// The newest version this hookcli reads and writes; it reads every older one.
pub(super) const VERSION: u32 = 2;

/// The newest version the instance with id `instance` reads.
pub(super) fn reads(instance: &str) -> u32 {
    instance
        .rsplit_once("_v")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1)
}

/// The version to write to `instance`: the newest both read.
pub(super) fn for_instance(instance: &str) -> u32 {
    reads(instance).min(VERSION)
}

/// One notification, as read or to be written.
#[derive(Debug, PartialEq)]
pub(super) enum Message<'a> {
    /// Another instance took `channel`'s client over.
    TakenOver { channel: &'a str },
    /// A delivery waits in a row.
    DeliveryRow { id: i64 },
    /// An answer waits in a row.
    AnswerRow { id: i64 },
    /// A delivery, its frame as [`super::text`] wrote it.
    Delivery {
        id: i64,
        origin: &'a str,
        channel: &'a str,
        frame: &'a str,
    },
    /// An answer, its frame as [`super::text`] wrote it.
    Answer {
        id: i64,
        answered: bool,
        frame: &'a str,
    },
}

/// A payload as read.
#[derive(Debug, PartialEq)]
pub(super) enum Read<'a> {
    /// In `version`, which this hookcli reads.
    Known { version: u32, message: Message<'a> },
    /// In a version newer than this hookcli's: who sent it, and which
    /// delivery it is about (a delivery to refuse, or the answer to one).
    Newer {
        version: u32,
        id: i64,
        from: &'a str,
    },
    /// Not a payload any version writes.
    Garbled,
}

/// `message` written in `version`, `from` the instance writing it. Each
/// form is formatted once: a delivery's frame is most of the payload.
pub(super) fn write(version: u32, from: &str, message: &Message) -> String {
    if version < 2 {
        return match message {
            Message::TakenOver { channel } => format!("t:{channel}"),
            Message::DeliveryRow { id } => format!("d:{id}"),
            Message::AnswerRow { id } => format!("a:{id}"),
            Message::Delivery {
                id,
                origin,
                channel,
                frame,
            } => format!("p:{id}:{origin}:{channel}:{frame}"),
            Message::Answer {
                id,
                answered,
                frame,
            } => format!("r:{id}:{}:{frame}", u8::from(*answered)),
        };
    }
    match message {
        Message::TakenOver { channel } => format!("{version}:t:0:{from}:{channel}"),
        Message::DeliveryRow { id } => format!("{version}:d:{id}:{from}:"),
        Message::AnswerRow { id } => format!("{version}:a:{id}:{from}:"),
        Message::Delivery {
            id, channel, frame, ..
        } => format!("{version}:p:{id}:{from}:{channel}:{frame}"),
        Message::Answer {
            id,
            answered,
            frame,
        } => format!("{version}:r:{id}:{from}:{}:{frame}", u8::from(*answered)),
    }
}

/// Reads one payload; never panics, whatever it holds.
pub(super) fn read(payload: &str) -> Read<'_> {
    let Some((head, rest)) = payload.split_once(':') else {
        return Read::Garbled;
    };
    if !head.bytes().all(|b| b.is_ascii_digit()) {
        return read_v1(head, rest).map_or(Read::Garbled, |message| Read::Known {
            version: 1,
            message,
        });
    }
    let Ok(version) = head.parse::<u32>() else {
        return Read::Garbled;
    };
    let mut fields = rest.splitn(4, ':');
    let (Some(kind), Some(Ok(id)), Some(from), Some(rest)) = (
        fields.next(),
        fields.next().map(str::parse::<i64>),
        fields.next(),
        fields.next(),
    ) else {
        return Read::Garbled;
    };
    if version > VERSION {
        return Read::Newer { version, id, from };
    }
    if version < 2 {
        return Read::Garbled;
    }
    let message = match kind {
        "t" => Some(Message::TakenOver { channel: rest }),
        "d" => Some(Message::DeliveryRow { id }),
        "a" => Some(Message::AnswerRow { id }),
        "p" => rest
            .split_once(':')
            .map(|(channel, frame)| Message::Delivery {
                id,
                origin: from,
                channel,
                frame,
            }),
        "r" => answer(id, rest),
        _ => None,
    };
    message.map_or(Read::Garbled, |message| Read::Known { version, message })
}

fn read_v1<'a>(kind: &str, rest: &'a str) -> Option<Message<'a>> {
    if kind == "t" {
        return Some(Message::TakenOver { channel: rest });
    }
    let (id, rest) = rest.split_once(':').unwrap_or((rest, ""));
    let id = id.parse::<i64>().ok()?;
    match kind {
        "d" if rest.is_empty() => Some(Message::DeliveryRow { id }),
        "a" if rest.is_empty() => Some(Message::AnswerRow { id }),
        "p" => {
            let mut fields = rest.splitn(3, ':');
            Some(Message::Delivery {
                id,
                origin: fields.next()?,
                channel: fields.next()?,
                frame: fields.next()?,
            })
        }
        "r" => answer(id, rest),
        _ => None,
    }
}

fn answer(id: i64, rest: &str) -> Option<Message<'_>> {
    let (answered, frame) = rest.split_once(':')?;
    Some(Message::Answer {
        id,
        answered: answered == "1",
        frame,
    })
}

/// Why a payload in `version` is refused: what the sender and the log are told.
pub(super) fn refusal(version: u32, from: &str) -> String {
    format!(
        "relay instance {from} sent routing payload version {version}; this one reads versions 1 to {VERSION} (upgrade it)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_message() -> Vec<Message<'static>> {
        vec![
            Message::TakenOver { channel: "dev" },
            Message::DeliveryRow { id: 7 },
            Message::AnswerRow { id: i64::MAX },
            Message::Delivery {
                id: 1,
                origin: "0a1b_v2",
                channel: "dev-1",
                frame: "tx:y~3a",
            },
            Message::Answer {
                id: 2,
                answered: true,
                frame: "tends in a colon:",
            },
            Message::Answer {
                id: 3,
                answered: false,
                frame: "t",
            },
        ]
    }

    #[test]
    fn every_message_round_trips_in_both_versions() {
        for version in [1, VERSION] {
            for m in every_message() {
                let text = write(version, "0a1b_v2", &m);
                assert_eq!(
                    read(&text),
                    Read::Known {
                        version,
                        message: m
                    },
                    "{text}"
                );
            }
        }
    }

    /// The payloads the releases before versions wrote, byte for byte.
    #[test]
    fn the_unversioned_form_of_earlier_releases_is_version_1() {
        let m = |text| match read(text) {
            Read::Known {
                version: 1,
                message,
            } => message,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(m("t:dev"), Message::TakenOver { channel: "dev" });
        assert_eq!(m("d:42"), Message::DeliveryRow { id: 42 });
        assert_eq!(m("a:42"), Message::AnswerRow { id: 42 });
        assert_eq!(
            m("p:5:0123456789abcdef:dev:tabc"),
            Message::Delivery {
                id: 5,
                origin: "0123456789abcdef",
                channel: "dev",
                frame: "tabc"
            }
        );
        assert_eq!(
            m("r:5:1:t:x"),
            Message::Answer {
                id: 5,
                answered: true,
                frame: "t:x"
            }
        );
        let d = Message::DeliveryRow { id: 42 };
        assert_eq!(write(1, "ignored", &d), "d:42");
    }

    #[test]
    fn a_newer_version_still_names_its_delivery_and_sender() {
        assert_eq!(
            read("3:q:99:beef_v3:whatever:comes:next"),
            Read::Newer {
                version: 3,
                id: 99,
                from: "beef_v3"
            }
        );
        assert!(refusal(3, "beef_v3").contains("version 3; this one reads versions 1 to 2"));
    }

    #[test]
    fn garbled_payloads_are_refused_not_panicked_on() {
        for bad in [
            "",
            "x",
            "p:",
            "p:1",
            "d:x",
            "d:1:2",
            "1:p:1:a:dev:t",
            "2:p:1:a:dev",
            "2:z:1:a:",
            "2:p:x:a:dev:t",
            "99999999999:p:1:a:",
            "3:p",
            "é:1",
        ] {
            assert_eq!(read(bad), Read::Garbled, "{bad:?}");
        }
    }

    #[test]
    fn an_instance_id_says_what_it_reads() {
        assert_eq!(reads("0123456789abcdef"), 1);
        assert_eq!(reads("0123456789abcdef_v2"), 2);
        assert_eq!(for_instance("0123456789abcdef_v9"), VERSION);
        assert_eq!(for_instance("0123456789abcdef"), 1);
    }
}
