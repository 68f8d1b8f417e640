//! The import's progress bar: draws the library's [`Progress`] values on
//! stderr with indicatif, only when stderr is a terminal (never in a pipe,
//! a log or `--json` output read by a program), and not with `--quiet`.

use crate::import::progress::{Phase, Progress, Reporter};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

/// A bar on stderr, or nothing when stderr is not a terminal or the
/// command is `--quiet`.
pub struct Bar {
    bar: Option<ProgressBar>,
    phase: Arc<Mutex<Option<Phase>>>,
}

impl Bar {
    pub fn on_stderr() -> Self {
        let wanted = std::io::stderr().is_terminal() && !super::output::quiet();
        let bar = wanted.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{msg:8} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar
        });
        Bar {
            bar,
            phase: Arc::new(Mutex::new(None)),
        }
    }

    /// What the library is told to call.
    pub fn reporter(&self) -> Arc<Reporter> {
        let Some(bar) = self.bar.clone() else {
            return crate::import::progress::silent();
        };
        let phase = Arc::clone(&self.phase);
        Arc::new(move |p: Progress| {
            let mut current = phase.lock().unwrap_or_else(|e| e.into_inner());
            if *current != Some(p.phase) {
                *current = Some(p.phase);
                bar.reset();
                bar.set_length(p.total);
                bar.set_message(p.phase.name());
            }
            bar.set_position(p.done);
        })
    }

    /// Takes the bar off the screen before the summary is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}
