//! The event loop on a real terminal: one `select!` over terminal events
//! (read on their own thread), ticks, and job results; a redraw only when
//! the state changed. The terminal is restored on every way out — normal
//! exit, error (the guard's `Drop`) and panic (ratatui's hook) — and
//! Ctrl-Z suspends the process group and redraws on resume.

use super::action::{Action, Effect, Outcome};
use super::state::State;
use super::{Services, TICK, jobs, keymap, render, update};
use crate::error::Error;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

/// What reaches the loop: a terminal event or an action from a job.
enum Incoming {
    Terminal(Event),
    Action(Action),
}

/// The terminal in TUI mode; restores it when dropped.
struct Session {
    terminal: DefaultTerminal,
}

impl Session {
    fn enter() -> io::Result<Session> {
        // Installs a panic hook that restores the terminal first.
        let terminal = ratatui::try_init()?;
        Ok(Session { terminal })
    }

    /// Gives the terminal back, stops the process group (as a shell's
    /// Ctrl-Z would), and takes the terminal again on `fg`.
    fn suspend(&mut self) -> io::Result<()> {
        ratatui::try_restore()?;
        #[cfg(unix)]
        // SAFETY: kill(2) with pid 0 signals our own process group; it
        // touches no memory. SIGTSTP's default action stops us until SIGCONT.
        unsafe {
            libc::kill(0, libc::SIGTSTP);
        }
        enable_raw_mode()?;
        execute!(io::stdout(), EnterAlternateScreen)?;
        self.terminal.clear()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = ratatui::try_restore();
    }
}

/// Reads terminal events on a thread of its own, until `stop`.
fn spawn_reader(tx: UnboundedSender<Incoming>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match event::poll(TICK) {
                Ok(true) => match event::read() {
                    Ok(ev) => {
                        if tx.send(Incoming::Terminal(ev)).is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                },
                Ok(false) => {}
                Err(_) => return,
            }
        }
    });
}

pub async fn run(services: Services, mut state: State) -> io::Result<()> {
    let mut session = Session::enter()?;
    let (tx, mut rx) = unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    spawn_reader(tx.clone(), stop.clone());
    let size = session.terminal.size()?;
    let mut pending = vec![Action::Resize(size.width, size.height), Action::Start];
    let mut ticker = tokio::time::interval(TICK);
    let result = 'outer: loop {
        for action in pending.drain(..) {
            for effect in update(&mut state, action) {
                match effect {
                    Effect::Run(job) => spawn_job(&services, job, tx.clone()),
                    Effect::Quit => break 'outer Ok(()),
                    Effect::Suspend => {
                        if let Err(e) = session.suspend() {
                            break 'outer Err(e);
                        }
                        let size = session.terminal.size()?;
                        update(&mut state, Action::Resize(size.width, size.height));
                    }
                }
            }
        }
        if state.dirty {
            session.terminal.draw(|frame| render(frame, &state))?;
            state.dirty = false;
        }
        let incoming = tokio::select! {
            incoming = rx.recv() => incoming,
            _ = ticker.tick() => Some(Incoming::Action(Action::Tick)),
        };
        match incoming {
            None => break Ok(()),
            Some(Incoming::Action(a)) => pending.push(a),
            Some(Incoming::Terminal(Event::Key(key))) => {
                if let Some(a) = keymap::action_for(&state, key) {
                    pending.push(a);
                }
            }
            Some(Incoming::Terminal(Event::Resize(w, h))) => pending.push(Action::Resize(w, h)),
            Some(Incoming::Terminal(_)) => {}
        }
    };
    stop.store(true, Ordering::Relaxed);
    drop(session);
    result
}

/// Runs a job on a task; a job that panics reports a failure instead of
/// leaving the spinner on forever.
fn spawn_job(services: &Services, job: super::action::Job, tx: UnboundedSender<Incoming>) {
    let services = services.clone();
    tokio::spawn(async move {
        let handle = tokio::spawn(async move { jobs::run_job(&services, job).await });
        let outcome = handle.await.unwrap_or_else(|e| {
            Outcome::Failed(Error::unavailable("background job", e.to_string()))
        });
        let _ = tx.send(Incoming::Action(Action::Done(outcome)));
    });
}
