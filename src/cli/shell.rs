//! What the shell and `man` read, generated from the clap definitions of
//! [`super::args`]: tab completion (`postier completions bash|zsh|fish`)
//! and the man pages (`postier man --out DIR`, which `make man` runs), so
//! both always say what the binary accepts.

use super::args::{Cli, CompletionShell};
use crate::error::{Error, Result};
use clap::CommandFactory;
use std::path::Path;

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: CompletionShell) {
    let mut command = Cli::command();
    let shell = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut command, "postier", &mut std::io::stdout());
}

/// Writes `postier.1` and `postier-SUB[-SUB…].1` for every visible
/// subcommand into `dir` (created if missing); returns the files written.
pub fn man_pages(dir: &Path) -> Result<Vec<String>> {
    let what = format!("--out {}", dir.display());
    std::fs::create_dir_all(dir).map_err(|e| Error::invalid(&what, e.to_string()))?;
    let mut command = Cli::command();
    command.build();
    let mut written = Vec::new();
    write_page(dir, &command, "postier", &mut written)
        .map_err(|e| Error::unavailable(&what, e.to_string()))?;
    Ok(written)
}

fn write_page(
    dir: &Path,
    command: &clap::Command,
    name: &str,
    written: &mut Vec<String>,
) -> std::io::Result<()> {
    let page = command.clone().display_name(name.to_string());
    let file = format!("{name}.1");
    let mut bytes = Vec::new();
    clap_mangen::Man::new(page).render(&mut bytes)?;
    std::fs::write(dir.join(&file), bytes)?;
    written.push(file);
    for sub in command.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        write_page(dir, sub, &format!("{name}-{}", sub.get_name()), written)?;
    }
    Ok(())
}
