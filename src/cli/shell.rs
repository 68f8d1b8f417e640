//! What the shell and `man` read, generated from the clap definitions of
//! [`super::args`]: tab completion (`postier completions bash|zsh|fish`)
//! and the man pages (`postier man --out DIR`, which `make man` runs), so
//! both always say what the binary accepts. In bash, the arguments that
//! name a domain or a mailbox complete from the directory itself
//! (`postier complete-names`).

use super::args::{Cli, CompletionShell, NamesKind};
use crate::config::Config;
use crate::error::{Error, Result};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: CompletionShell) {
    let mut command = Cli::command();
    let mut script = Vec::new();
    let clap_shell = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(clap_shell, &mut command, "postier", &mut script);
    if shell == CompletionShell::Bash {
        script.extend_from_slice(bash_names(&Cli::command()).as_bytes());
    }
    let _ = std::io::stdout().write_all(&script);
}

/// Where a command line names something in the directory: the commands
/// (`domain/show`) whose positional number `slot` is a domain or a
/// mailbox, read from the clap definitions (`domain`, `target_domain`,
/// `address`; a domain being added is not offered existing names).
fn name_slots(command: &clap::Command, path: &str, out: &mut Vec<(String, usize, NamesKind)>) {
    for sub in command.get_subcommands() {
        let name = sub.get_name();
        if name == "help" || sub.is_hide_set() {
            continue;
        }
        let sub_path = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}/{name}")
        };
        for (slot, arg) in sub.get_positionals().enumerate() {
            let kind = match arg.get_id().as_str() {
                "domain" if name != "add" => NamesKind::Domains,
                "target_domain" => NamesKind::Domains,
                "address" => NamesKind::Mailboxes,
                _ => continue,
            };
            out.push((sub_path.clone(), slot, kind));
        }
        name_slots(sub, &sub_path, out);
    }
}

/// Every command path (`domain`, `domain/alias`, `domain/alias/add`…).
fn command_paths(command: &clap::Command, path: &str, out: &mut Vec<String>) {
    for sub in command.get_subcommands() {
        let sub_path = if path.is_empty() {
            sub.get_name().to_string()
        } else {
            format!("{path}/{}", sub.get_name())
        };
        command_paths(sub, &sub_path, out);
        out.push(sub_path);
    }
}

/// The bash function that offers the directory's names where an argument
/// names a domain or a mailbox (after `@`: the local part typed, at each
/// domain), and clap's completion everywhere else.
fn bash_names(command: &clap::Command) -> String {
    let mut slots = Vec::new();
    name_slots(command, "", &mut slots);
    let mut paths = Vec::new();
    command_paths(command, "", &mut paths);
    let cases = |kind: NamesKind| {
        slots
            .iter()
            .filter(|(_, _, k)| *k == kind)
            .map(|(path, slot, _)| format!("\"{path}:{slot}\""))
            .collect::<Vec<_>>()
            .join("|")
    };
    let domain_options: Vec<String> = command
        .get_subcommands()
        .flat_map(all_commands)
        .flat_map(|c| c.get_opts().cloned().collect::<Vec<_>>())
        .filter(|a| {
            a.get_value_names()
                .is_some_and(|names| names.iter().any(|n| n.as_str() == "DOMAIN"))
        })
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    format!(
        r#"
# postier: where an argument names a domain or a mailbox, the names come
# from the directory (postier complete-names; nothing without a config).
_postier_commands=" {paths} "
_postier_names() {{
    # The words up to the cursor, split on blanks only: bash also breaks
    # words at @, which would split an address.
    local line=${{COMP_LINE:0:COMP_POINT}} words
    read -ra words <<< "$line"
    [[ -z $line || $line == *[[:space:]] ]] && words+=("")
    local n=${{#words[@]}}
    local cur=${{words[n-1]}} prev=${{words[n-2]}}
    local path="" slot=0 i word kind="" names
    for ((i = 1; i < n - 1; i++)); do
        word=${{words[i]}}
        [[ $word == -* ]] && continue
        if [[ $slot -eq 0 && $_postier_commands == *" ${{path:+$path/}}$word "* ]]; then
            path=${{path:+$path/}}$word
        else
            slot=$((slot + 1))
        fi
    done
    case "$prev" in
        {options}) kind=domains ;;
        *)
            case "$path:$slot" in
                {domains}) kind=domains ;;
                {mailboxes}) kind=mailboxes ;;
            esac
            ;;
    esac
    if [[ -z $kind || $cur == -* ]]; then
        _postier "$@"
        return
    fi
    if [[ $kind == mailboxes && $cur == *@* ]]; then
        local domain
        names=""
        for domain in $("${{COMP_WORDS[0]}}" complete-names domains 2>/dev/null); do
            names+="${{cur%%@*}}@$domain"$'\n'
        done
    else
        names=$("${{COMP_WORDS[0]}}" complete-names "$kind" 2>/dev/null)
    fi
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$names" -- "$cur"))
    # bash replaces only what follows the last @ of the word.
    if [[ $cur == *@* && $COMP_WORDBREAKS == *@* ]]; then
        COMPREPLY=("${{COMPREPLY[@]#"${{cur%@*}}@"}}")
    fi
}}
if [[ "${{BASH_VERSINFO[0]}}" -eq 4 && "${{BASH_VERSINFO[1]}}" -ge 4 || "${{BASH_VERSINFO[0]}}" -gt 4 ]]; then
    complete -F _postier_names -o nosort -o bashdefault -o default postier
else
    complete -F _postier_names -o bashdefault -o default postier
fi
"#,
        paths = paths.join(" "),
        options = if domain_options.is_empty() {
            "--no-such-option".to_string()
        } else {
            domain_options.join("|")
        },
        domains = cases(NamesKind::Domains),
        mailboxes = cases(NamesKind::Mailboxes),
    )
}

/// `command` and every command below it.
fn all_commands(command: &clap::Command) -> Vec<&clap::Command> {
    let mut out = vec![command];
    for sub in command.get_subcommands() {
        out.extend(all_commands(sub));
    }
    out
}

/// Prints the directory's domain names or mailbox addresses (as people
/// write them, U-labels), one per line, for the completion scripts. Prints
/// nothing when no config file or `--directory` names a directory (pressing
/// Tab never creates the default one) or when the directory cannot be
/// read; always exits 0.
pub async fn complete_names(cli: &Cli, kind: NamesKind) -> ExitCode {
    let named = Config::load(cli.config.as_deref()).is_ok_and(|c| c.source.is_some())
        || cli.directory.is_some()
        || std::env::var_os("POSTIER_DIRECTORY").is_some();
    if !named {
        return ExitCode::SUCCESS;
    }
    let Ok(ctx) = super::Context::open(cli).await else {
        return ExitCode::SUCCESS;
    };
    let names: Vec<String> = match kind {
        NamesKind::Domains => match ctx.ops.domains().await {
            Ok(domains) => domains.iter().map(|d| d.name.to_unicode()).collect(),
            Err(_) => return ExitCode::SUCCESS,
        },
        NamesKind::Mailboxes => match ctx.ops.mailboxes(None).await {
            Ok(mailboxes) => mailboxes.iter().map(|m| m.address.to_unicode()).collect(),
            Err(_) => return ExitCode::SUCCESS,
        },
    };
    let mut out = std::io::stdout().lock();
    for name in names {
        if writeln!(out, "{name}").is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
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
