//! Where listen's and replay's output goes: lines for stdout, warnings and
//! errors for stderr, all through one printer thread, so that writing to a
//! slow terminal never holds up a delivery. Domain code hands lines here;
//! it never prints itself.

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Lines closer together than this count as a stream.
const STREAM_GAP: Duration = Duration::from_millis(20);

/// How long a stream's lines gather before they are written together.
const GATHER: Duration = Duration::from_millis(2);

enum Message {
    Line(String),
    Warning(String),
    Error(String),
}

/// A printer thread: messages in, written and flushed whenever it catches up.
#[derive(Clone)]
pub struct Printer(mpsc::Sender<Message>);

impl Printer {
    pub fn start() -> (Printer, std::thread::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel::<Message>();
        let handle = std::thread::spawn(move || {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            // A closed stdout (`| head`) must not stop the deliveries, nor
            // the warnings.
            let mut stdout_open = true;
            let mut last_flush: Option<Instant> = None;
            while let Ok(first) = rx.recv() {
                // Lines arriving in a stream (under load, one per delivery)
                // gather for a moment instead of waking this thread each:
                // a few wake-ups and writes a second rather than one per
                // line. A line after a quiet spell is written at once.
                if last_flush.is_some_and(|t| t.elapsed() < STREAM_GAP) {
                    std::thread::sleep(GATHER);
                }
                for message in std::iter::once(first).chain(rx.try_iter()) {
                    match message {
                        Message::Line(line) if stdout_open => {
                            stdout_open = writeln!(out, "{line}").is_ok();
                        }
                        Message::Line(_) => {}
                        Message::Warning(w) => eprintln!("hookcli: warning: {w}"),
                        Message::Error(e) => eprintln!("hookcli: error: {e}"),
                    }
                }
                stdout_open = stdout_open && out.flush().is_ok();
                last_flush = Some(Instant::now());
            }
        });
        (Printer(tx), handle)
    }

    /// A line for stdout.
    pub fn print(&self, line: String) {
        let _ = self.0.send(Message::Line(line));
    }

    /// A `hookcli: warning: …` line for stderr.
    pub fn warn(&self, warning: String) {
        let _ = self.0.send(Message::Warning(warning));
    }

    /// A `hookcli: error: …` line for stderr: something went wrong with one
    /// delivery, and the process goes on.
    pub fn error(&self, error: String) {
        let _ = self.0.send(Message::Error(error));
    }
}
