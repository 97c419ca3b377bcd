//! One glob matcher for every pattern a user types (`--route
//! stripe:invoice.*=…`, `send --event 'invoice.*'`, `providers stripe
//! 'charge.*'`), with the semantics of SQLite's `GLOB`, which `list
//! --event` uses: `*` any run, `?` one character, `[abc]`, `[a-z]` and
//! `[^…]` a class; case-sensitive.

/// True when `pattern` matches the whole of `text`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point for the last `*`:
    // linear in practice, and never exponential.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('?') => {
                pi += 1;
                ti += 1;
                continue;
            }
            Some('[') => {
                if let Some((hit, next)) = class(&p, pi, t[ti])
                    && hit
                {
                    pi = next;
                    ti += 1;
                    continue;
                }
            }
            Some(c) if *c == t[ti] => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// True when the pattern has any glob syntax (else it names one thing).
pub fn is_pattern(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// Matches `c` against the class opening at `p[at]` (`[`): whether it
/// matched, and where the pattern goes on. `None` for an unclosed class,
/// which SQLite matches against nothing.
fn class(p: &[char], at: usize, c: char) -> Option<(bool, usize)> {
    let mut i = at + 1;
    let negate = p.get(i) == Some(&'^');
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    loop {
        let ch = *p.get(i)?;
        if ch == ']' && !first {
            return Some((hit != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|e| *e != ']') {
            hit |= ch <= c && c <= p[i + 2];
            i += 3;
        } else {
            hit |= ch == c;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_questions_and_classes() {
        assert!(matches("*", "x"));
        assert!(matches("*", ""));
        assert!(matches(
            "customer.*.created",
            "customer.subscription.created"
        ));
        assert!(!matches("customer.*.created", "customer.deleted"));
        assert!(matches("orders/*", "orders/create"));
        assert!(matches("invoice.pai?", "invoice.paid"));
        assert!(!matches("invoice.pai?", "invoice.pai"));
        assert!(matches("charge.[rs]*", "charge.refunded"));
        assert!(matches("charge.[a-f]*", "charge.captured"));
        assert!(!matches("charge.[^a-f]*", "charge.captured"));
        assert!(matches("[]]", "]"));
        assert!(!matches("[ab", "a"));
        assert!(!matches("Invoice.*", "invoice.paid"), "case-sensitive");
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(!matches("a*b*c", "aXbYbZ"));
    }

    /// The same answers as SQLite's GLOB, which `list --event` runs.
    #[test]
    fn agrees_with_sqlite() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let patterns = [
            "*",
            "invoice.*",
            "?nvoice.paid",
            "[a-c]*",
            "[^i]*",
            "*.*d",
            "x[",
            "[]]*",
        ];
        let texts = ["invoice.paid", "charge.refunded", "abc", "]x", "", "x["];
        for p in patterns {
            for t in texts {
                let sqlite: bool = db
                    .query_row("SELECT ?2 GLOB ?1", [p, t], |r| r.get(0))
                    .unwrap();
                assert_eq!(matches(p, t), sqlite, "{p:?} {t:?}");
            }
        }
    }
    /// Every short pattern over the characters that carry meaning, against
    /// every short text: the matcher and SQLite's GLOB give the same answer,
    /// so `--route`, `send --event` and `list --event` cannot drift apart.
    #[test]
    fn agrees_with_sqlite_exhaustively() {
        fn all(alphabet: &[char], max: usize) -> Vec<String> {
            let mut out = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                    .collect();
                out.extend(last.iter().cloned());
            }
            out
        }
        let patterns = all(&['a', '-', ']', '^', '[', '*', '?'], 4);
        let texts = all(&['a', 'b', '-', ']', '^'], 3);
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE p(x TEXT); CREATE TABLE t(y TEXT);")
            .unwrap();
        for p in &patterns {
            db.execute("INSERT INTO p VALUES (?1)", [p]).unwrap();
        }
        for t in &texts {
            db.execute("INSERT INTO t VALUES (?1)", [t]).unwrap();
        }
        let mut stmt = db.prepare("SELECT x, y, y GLOB x FROM p, t").unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })
            .unwrap();
        let mut checked = 0;
        for row in rows {
            let (p, t, sqlite) = row.unwrap();
            assert_eq!(matches(&p, &t), sqlite, "pattern {p:?} text {t:?}");
            checked += 1;
        }
        assert_eq!(checked, patterns.len() * texts.len());
    }
}
