//! What the shell and `man` read: `postier completions bash|zsh|fish` load
//! in the real shells and complete subcommands, and bash completes domain
//! names and addresses from the directory; `postier man --out DIR`
//! writes a page for the command and every subcommand, and each renders
//! with `man --warnings` without a warning.

mod support;

use std::path::Path;
use std::process::Command;

fn postier() -> Command {
    Command::new(env!("CARGO_BIN_EXE_postier"))
}

/// The completion script for `shell`, written to a file.
fn script(dir: &Path, shell: &str) -> String {
    let out = postier().args(["completions", shell]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty());
    let path = dir.join(format!("postier.{shell}"));
    std::fs::write(&path, &out.stdout).unwrap();
    path.display().to_string()
}

fn shell(name: &str) -> Option<()> {
    let found = Command::new(name)
        .arg("-c")
        .arg("true")
        .status()
        .is_ok_and(|s| s.success())
        .then_some(());
    support::services::require_service(name, found, "install it (tests/services/install.sh)")
}

#[test]
fn bash_completes_subcommands_and_their_flags() {
    if shell("bash").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script(dir.path(), "bash");
    // As bash calls it: the command, the word being completed, the one
    // before.
    let complete = |words: &str, current: usize| -> String {
        let list: Vec<&str> = words.split(' ').collect();
        let (cur, prev) = (list[current], list[current - 1]);
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{file}'; complete -p postier; \
                 COMP_WORDS=({words}); COMP_CWORD={current}; COMP_LINE='{words}'; \
                 COMP_POINT=${{#COMP_LINE}}; _postier postier '{cur}' '{prev}'; \
                 printf '%s\\n' \"${{COMPREPLY[@]}}\""
            ))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let top = complete("postier mai", 1);
    assert!(
        top.lines()
            .next()
            .unwrap()
            .ends_with("-F _postier_names postier"),
        "{top}"
    );
    let offered: Vec<&str> = top.lines().skip(1).collect();
    assert!(offered.contains(&"mailbox"), "{offered:?}");
    assert!(offered.contains(&"mail"), "{offered:?}");
    assert!(!offered.contains(&"domain"), "{offered:?}");
    let sub = complete("postier mailbox a", 2);
    assert!(sub.lines().any(|l| l == "add"), "{sub}");
    let flags = complete("postier mailbox add --pass", 3);
    assert!(flags.lines().any(|l| l == "--password-stdin"), "{flags}");
}

#[test]
fn bash_completes_domains_and_addresses_from_the_directory() {
    if shell("bash").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script(dir.path(), "bash");
    let config = dir.path().join("postier.toml");
    std::fs::write(
        &config,
        format!(
            "[directory]\nurl = \"sqlite:{}\"\n",
            dir.path().join("d.db").display()
        ),
    )
    .unwrap();
    let run = |args: &[&str], stdin: &str| {
        let mut cmd = postier();
        cmd.args(args).env("POSTIER_CONFIG", &config);
        let out = support::process::feed(cmd, stdin);
        assert!(out.status.success(), "{args:?}: {out:?}");
    };
    run(&["db", "migrate"], "");
    run(&["domain", "add", "exemple.org"], "");
    run(&["domain", "add", "bücher.example"], "");
    run(
        &["mailbox", "add", "anna@exemple.org", "--password-stdin"],
        "un mot de passe assez long\n",
    );
    let bin = Path::new(env!("CARGO_BIN_EXE_postier")).parent().unwrap();
    // `words` as bash splits them (it breaks words at @ too), the line
    // typed so far, and the config (none: no POSTIER_CONFIG, empty HOME).
    let complete = |words: &[&str], line: &str, config: Option<&Path>| -> Vec<String> {
        let list: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let current = words.len() - 1;
        let mut cmd = Command::new("bash");
        cmd.env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("HOME", dir.path().join("home"))
            .env("LANG", "C.UTF-8");
        if let Some(config) = config {
            cmd.env("POSTIER_CONFIG", config);
        }
        let out = cmd
            .arg("-c")
            .arg(format!(
                "source '{file}'; COMP_WORDS=({}); COMP_CWORD={current}; COMP_LINE='{line}'; \
                 COMP_POINT=${{#COMP_LINE}}; _postier_names postier '{}' '{}'; \
                 printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                list.join(" "),
                words[current],
                words[current - 1]
            ))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    let with = Some(config.as_path());
    let mut domains = complete(
        &["postier", "domain", "show", ""],
        "postier domain show ",
        with,
    );
    domains.sort();
    assert_eq!(domains, ["bücher.example", "exemple.org"]);
    assert_eq!(
        complete(
            &["postier", "domain", "rm", "b"],
            "postier domain rm b",
            with
        ),
        ["bücher.example"]
    );
    assert_eq!(
        complete(
            &["postier", "export", "--domain", "ex"],
            "postier export --domain ex",
            with
        ),
        ["exemple.org"]
    );
    assert_eq!(
        complete(
            &["postier", "mailbox", "passwd", "an"],
            "postier mailbox passwd an",
            with
        ),
        ["anna@exemple.org"]
    );
    // After @ bash replaces what follows it: the domains, for the local
    // part typed.
    let mut after_at = complete(
        &["postier", "mailbox", "add", "zoé", "@", ""],
        "postier mailbox add zoé@",
        with,
    );
    after_at.sort();
    assert_eq!(after_at, ["bücher.example", "exemple.org"]);
    // A domain being added is not offered the existing ones; flags still
    // complete.
    let adding = complete(
        &["postier", "domain", "add", ""],
        "postier domain add ",
        with,
    );
    assert!(!adding.iter().any(|w| w == "exemple.org"), "{adding:?}");
    let flags = complete(
        &["postier", "mailbox", "add", "--pass"],
        "postier mailbox add --pass",
        with,
    );
    assert!(flags.iter().any(|w| w == "--password-stdin"), "{flags:?}");
    // No config: nothing offered, and Tab creates no directory.
    let none = complete(
        &["postier", "domain", "show", ""],
        "postier domain show ",
        None,
    );
    assert!(none.is_empty(), "{none:?}");
    assert!(!dir.path().join("home").exists());
}

#[test]
fn zsh_loads_the_completion_with_compinit() {
    if shell("zsh").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let functions = dir.path().join("functions");
    std::fs::create_dir(&functions).unwrap();
    let file = script(dir.path(), "zsh");
    std::fs::rename(&file, functions.join("_postier")).unwrap();
    let out = Command::new("zsh")
        .arg("-f")
        .arg("-c")
        .arg(format!(
            "fpath=('{}' $fpath); autoload -U compinit; compinit -u -d '{}/zcompdump'; \
             print -r -- ${{_comps[postier]}}",
            functions.display(),
            dir.path().display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "_postier");
    assert!(out.stderr.is_empty(), "{out:?}");
}

#[test]
fn fish_loads_the_completion() {
    if shell("fish").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script(dir.path(), "fish");
    let out = Command::new("fish")
        .arg("--no-config")
        .arg("-c")
        .arg(format!("source '{file}'; complete -C 'postier mailb'"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let offered = String::from_utf8_lossy(&out.stdout);
    assert!(
        offered.lines().any(|l| l.starts_with("mailbox")),
        "{offered}"
    );
}

#[test]
fn every_subcommand_has_a_man_page_that_renders_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let out = postier()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for expected in [
        "postier.1",
        "postier-mailbox.1",
        "postier-mailbox-add.1",
        "postier-domain-alias-add.1",
        "postier-backup-restore.1",
        "postier-check.1",
        "postier-completions.1",
    ] {
        assert!(
            pages.contains(&expected.to_string()),
            "{expected}: {pages:?}"
        );
    }
    assert!(!pages.iter().any(|p| p.contains("help")), "{pages:?}");
    if support::services::require_service(
        "man",
        Path::new("/usr/bin/man").exists().then_some(()),
        "install man-db (tests/services/install.sh)",
    )
    .is_none()
    {
        return;
    }
    for page in &pages {
        let out = Command::new("man")
            .env("MANWIDTH", "80")
            .env("LANG", "C.UTF-8")
            .args(["--warnings", "-l"])
            .arg(dir.path().join(page))
            .output()
            .unwrap();
        assert!(out.status.success(), "{page}: {out:?}");
        assert!(
            out.stderr.is_empty(),
            "{page}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("NAME"), "{page}: {text}");
    }
    let add = std::fs::read_to_string(dir.path().join("postier-mailbox-add.1")).unwrap();
    assert!(add.contains("password\\-stdin"), "{add}");
}
