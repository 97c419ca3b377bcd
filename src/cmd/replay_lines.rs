//! What `hookcli replay` shows of the engine's events: a line per replay
//! (human or JSON) on stdout, warnings and skips on stderr with repeats
//! collapsed, a progress bar on a terminal only, and the summary; or, for
//! a dry run, what would be sent.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::ProgressBar;

use crate::listen::line::{LineInfo, Target, human, typed};
use crate::output::{one_line, one_line_bytes};
use crate::printer::Printer;
use crate::replay::{DryRunLine, Event, Prepared, Summary, SummaryLine};

/// The renderer of a live run.
pub struct Live {
    json: bool,
    bar: OnceCell<Option<ProgressBar>>,
    printer: Printer,
    printer_thread: std::thread::JoinHandle<()>,
    repeats: Repeats,
    /// stdout lines held back while replays come back one after another,
    /// handed to the printer together when the run pauses.
    held: RefCell<String>,
    /// Where a JSON line is written before it joins `held`; reused.
    scratch: RefCell<Vec<u8>>,
    /// The human summary, said once every line is out.
    closing: RefCell<Option<String>>,
}

/// Held lines are handed over before they pass this many bytes.
const HOLD: usize = 64 * 1024;

impl Live {
    pub fn new(json: bool) -> Self {
        let (printer, printer_thread) = Printer::start();
        Live {
            json,
            bar: OnceCell::new(),
            printer,
            printer_thread,
            repeats: Repeats::default(),
            // Sized once and reused: grown line by line, it would be
            // copied a dozen times on its way to `HOLD`, for every hold.
            held: RefCell::new(String::with_capacity(HOLD + 4096)),
            scratch: RefCell::new(Vec::with_capacity(1024)),
            closing: RefCell::new(None),
        }
    }

    fn bar(&self) -> Option<&ProgressBar> {
        self.bar.get().and_then(Option::as_ref)
    }

    /// A line for stdout, or for stderr (`err`).
    fn say(&self, line: String, err: bool) {
        match self.bar() {
            // Written beside the bar on stderr while the bar is cleared, with
            // its newline, so that the bar's next redraw cannot erase it.
            // (stdout belongs to the printer thread.)
            Some(b) => b.suspend(|| {
                let _ = writeln!(std::io::stderr(), "{line}");
            }),
            None if err => {
                let _ = writeln!(std::io::stderr(), "{line}");
            }
            None => self.hold(&line),
        }
    }

    /// A line for stdout, held back with the others.
    fn hold(&self, line: &str) {
        let mut held = self.held.borrow_mut();
        if !held.is_empty() {
            held.push('\n');
        }
        held.push_str(line);
        if held.len() >= HOLD {
            self.hand_over(&mut held);
        }
    }

    /// A JSON line for stdout (JSON runs have no bar), serialised into a
    /// reused buffer rather than a string of its own for every replay.
    fn say_json(&self, line: &impl serde::Serialize) {
        let mut scratch = self.scratch.borrow_mut();
        scratch.clear();
        if serde_json::to_writer(&mut *scratch, line).is_err() {
            scratch.clear();
        }
        // serde_json writes UTF-8 only.
        self.hold(std::str::from_utf8(&scratch).unwrap_or_default());
    }

    /// Hands the held lines to the printer.
    fn release(&self) {
        self.hand_over(&mut self.held.borrow_mut());
    }

    /// A copy of the held lines goes to the printer; the buffer keeps its
    /// room for the next ones.
    fn hand_over(&self, held: &mut String) {
        if !held.is_empty() {
            self.printer.print(held.as_str().to_owned());
            held.clear();
        }
    }

    pub fn show(&self, event: Event<'_>) {
        match event {
            Event::Selected(n) => {
                let _ = self.bar.set(progress(n, self.json));
            }
            Event::Started(p) => {
                for w in &p.warnings {
                    if self.repeats.first("warning", &p.delivery_id, w) {
                        self.say(format!("hookcli: warning: {}", one_line(w)), true);
                    }
                }
            }
            Event::Finished {
                delivery,
                prepared,
                attempt,
            } => {
                let how = how(prepared, true);
                let action = match how.is_empty() {
                    true => Cow::Borrowed("replay"),
                    false => Cow::Owned(format!("replay{how}")),
                };
                let target = match &prepared.target {
                    Some(url) => Target::Parsed(url),
                    None => Target::Raw(&prepared.request.url),
                };
                let info = LineInfo {
                    delivery,
                    action: &action,
                    target: Some(target),
                    status: attempt.status,
                    error: attempt.error.as_deref(),
                    duration_ms: attempt.duration_ms,
                };
                match self.json {
                    true => self.say_json(&typed(&info, "replay")),
                    false => self.say(human(&info), false),
                }
                self.tick();
            }
            Event::Skipped { id, why } => {
                let why = why.to_string();
                if self.repeats.first("skipped", id, &why) {
                    self.say(format!("hookcli: skipped {id}: {}", one_line(&why)), true);
                }
                self.tick();
            }
            Event::NotRecorded(e) => self.say(
                format!("hookcli: error: a replay was sent but not recorded: {e}"),
                true,
            ),
            Event::WouldSend(_) => {}
            Event::Quiet => self.release(),
            Event::Done(summary) => {
                self.release();
                for line in self.repeats.closing() {
                    self.say(line, true);
                }
                if let Some(b) = self.bar() {
                    b.finish_and_clear();
                }
                match self.json {
                    true => self.printer.print(
                        serde_json::to_string(&SummaryLine::of(summary)).unwrap_or_default(),
                    ),
                    false => *self.closing.borrow_mut() = Some(summary_text(summary)),
                }
            }
        }
    }

    fn tick(&self) {
        if let Some(b) = self.bar() {
            b.inc(1);
        }
    }

    /// Waits until every line is written.
    pub fn finish(self) {
        self.release();
        drop(self.printer);
        let _ = self.printer_thread.join();
        if let Some(line) = self.closing.into_inner() {
            eprintln!("{line}");
        }
    }
}

/// The renderer of a dry run: straight to stdout and stderr.
pub struct DryRun {
    json: bool,
    out: RefCell<std::io::BufWriter<std::io::Stdout>>,
    /// The first write that failed.
    failed: RefCell<Option<std::io::Error>>,
    selected: Cell<usize>,
    would: Cell<usize>,
    targets: RefCell<BTreeSet<String>>,
    repeats: Repeats,
}

impl DryRun {
    pub fn new(json: bool) -> Self {
        DryRun {
            json,
            out: RefCell::new(std::io::BufWriter::new(std::io::stdout())),
            failed: RefCell::new(None),
            selected: Cell::new(0),
            would: Cell::new(0),
            targets: RefCell::new(BTreeSet::new()),
            repeats: Repeats::default(),
        }
    }

    pub fn show(&self, event: Event<'_>) {
        match event {
            Event::Selected(n) => self.selected.set(n),
            Event::WouldSend(p) => {
                self.would.set(self.would.get() + 1);
                self.targets.borrow_mut().insert(origin(&p.request.url));
                let written = self.would_send(p);
                if let Err(e) = written {
                    self.failed.borrow_mut().get_or_insert(e);
                }
            }
            Event::Skipped { id, why } => {
                let why = why.to_string();
                if self.repeats.first("cannot replay", id, &why) {
                    eprintln!("hookcli: cannot replay {id}: {}", one_line(&why));
                }
            }
            Event::Done(summary) => self.closing(summary),
            Event::Started(_) | Event::Finished { .. } | Event::NotRecorded(_) | Event::Quiet => {}
        }
    }

    fn would_send(&self, p: &Prepared) -> std::io::Result<()> {
        let mut out = self.out.borrow_mut();
        if self.json {
            let line = serde_json::to_string(&DryRunLine::of(p)).unwrap_or_default();
            return writeln!(out, "{line}");
        }
        let r = &p.request;
        writeln!(
            out,
            "would send {} {} ({} bytes{}) for {}",
            one_line(&r.method),
            one_line(&r.url),
            r.body.len(),
            how(p, false),
            one_line(&p.delivery_id)
        )?;
        // Headers only for one delivery: for many they would bury the list.
        if self.selected.get() == 1 {
            for (n, v) in r.headers.iter() {
                writeln!(out, "  {}: {}", one_line(n), one_line_bytes(v))?;
            }
        }
        for w in &p.warnings {
            if self.repeats.first("warning", &p.delivery_id, w) {
                writeln!(out, "  warning: {}", one_line(w))?;
            }
        }
        Ok(())
    }

    fn closing(&self, summary: &Summary) {
        if let Err(e) = self.out.borrow_mut().flush() {
            self.failed.borrow_mut().get_or_insert(e);
        }
        for line in self.repeats.closing() {
            eprintln!("{line}");
        }
        if self.json {
            return;
        }
        let (would, selected) = (self.would.get(), summary.selected);
        let targets = std::mem::take(&mut *self.targets.borrow_mut());
        let to = match targets.len() {
            1 => targets.into_iter().next().unwrap_or_default(),
            n => format!("{n} targets"),
        };
        let mut closing = format!("would send {would} of {selected} to {}", one_line(&to));
        if would == selected {
            closing = format!("would send {would} to {}", one_line(&to));
        }
        if would == 0 {
            closing = format!("would send nothing of {selected} selected");
        }
        if summary.skipped > 0 {
            closing.push_str(&format!("; {} cannot be replayed", summary.skipped));
        }
        eprintln!("{closing}");
    }

    /// The first failed write to stdout, if any.
    pub fn finish(self) -> std::io::Result<()> {
        match self.failed.into_inner() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// `scheme://host:port` of a URL, for the dry run's closing line.
fn origin(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => url.to_string(),
    }
}

/// What a replay does to the recorded request, for its line: nothing
/// (exact), re-signed, a new id (named), edited.
fn how(p: &Prepared, bare_exact: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    if p.resigned {
        parts.push("re-signed".into());
    } else if !bare_exact {
        parts.push("exact".into());
    }
    if let Some(id) = &p.new_id {
        parts.push(format!("new id {}", one_line(id)));
    }
    if p.edited {
        parts.push("edited".into());
    }
    match (parts.is_empty(), bare_exact) {
        (true, _) => String::new(),
        (false, true) => format!(" ({})", parts.join(", ")),
        (false, false) => format!(", {}", parts.join(", ")),
    }
}

/// Collapses repeated messages: the first of each kind and text (the
/// delivery id taken out) is printed, the rest only counted.
#[derive(Default)]
struct Repeats(Mutex<Vec<(String, String, usize)>>);

impl Repeats {
    /// Counts one message; true when it is the first like it.
    fn first(&self, kind: &str, id: &str, text: &str) -> bool {
        let text = one_line(&text.replace(id, "…")).into_owned();
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match seen.iter_mut().find(|(k, t, _)| k == kind && *t == text) {
            Some(entry) => {
                entry.2 += 1;
                false
            }
            None => {
                seen.push((kind.to_string(), text, 1));
                true
            }
        }
    }

    /// One line per message that came more than once.
    fn closing(&self) -> Vec<String> {
        let seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        seen.iter()
            .filter(|(_, _, n)| *n > 1)
            .map(|(kind, text, n)| format!("hookcli: {kind} ×{} more: {text}", n - 1))
            .collect()
    }
}

fn progress(len: usize, json: bool) -> Option<ProgressBar> {
    if json || len < 2 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} replayed, {rate}, eta {eta}")
    {
        // A whole number: `549/s`, not indicatif's `549.1536/s`.
        bar.set_style(style.with_key(
            "rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", s.per_sec());
            },
        ));
    }
    Some(bar)
}

/// The summary's line for people.
fn summary_text(s: &Summary) -> String {
    let ms = |v: Option<f64>| v.map_or("-".into(), |m| format!("{m:.1} ms"));
    format!(
        "replayed {} of {} selected: {} 2xx, {} other status, {} {}, {} skipped; p50 {}, p99 {}",
        s.sent,
        s.selected,
        s.ok_2xx,
        s.other_status,
        s.errors,
        if s.errors == 1 { "error" } else { "errors" },
        s.skipped,
        ms(s.p50_ms),
        ms(s.p99_ms)
    )
}
