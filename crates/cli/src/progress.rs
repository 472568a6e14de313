//! A progress bar on a terminal (stderr), nothing under cron or in pipes.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Progress of a backup, a restore or a seed.
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar labelled `what`, drawn only when stderr is a terminal.
    pub fn new(what: &'static str) -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(what);
        Bar(bar)
    }

    /// Moves the bar to `done` of `total`.
    pub fn step(&self, done: usize, total: usize, msg: &str) {
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
        self.0.set_message(msg.to_owned());
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl invoicepilot_app::backup::Progress for Bar {
    fn table(&self, table: &str, done: usize, total: usize) {
        self.step(done, total, table);
    }
}
