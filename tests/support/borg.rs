//! A postier setup for backup tests: a SQLite directory, a mail root, a
//! real borg repository (repokey, passphrase in a 0600 file), the backup
//! state dir and a config naming them all, in one temp dir; the postier
//! binary run on it as a process (so a run can be killed, or run as
//! another user).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

pub const PASSPHRASE: &str = "correct horse battery staple";

pub struct BorgSetup {
    pub dir: TempDir,
    pub mail_root: PathBuf,
    pub state_dir: PathBuf,
    pub repo: PathBuf,
    pub passphrase_file: PathBuf,
    pub config: PathBuf,
    pub db: PathBuf,
    /// borg's cache and security dirs (BORG_BASE_DIR).
    pub borg_base: PathBuf,
    /// The postier binary to run (a copy when another user runs it).
    pub program: PathBuf,
    /// Run postier (and so borg) as this user, when set.
    pub uid_gid: Option<(u32, u32)>,
}

impl BorgSetup {
    /// A fresh setup; `extra` is appended to the `[backup]` table.
    pub fn new(extra: &str) -> BorgSetup {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mail_root = root.join("vmail");
        let state_dir = root.join("state");
        let repo = root.join("repo");
        let borg_base = root.join("borg-base");
        std::fs::create_dir_all(&mail_root).unwrap();
        std::fs::create_dir_all(&borg_base).unwrap();
        let passphrase_file = root.join("borg.passphrase");
        std::fs::write(&passphrase_file, format!("{PASSPHRASE}\n")).unwrap();
        set_mode(&passphrase_file, 0o600);
        let db = root.join("directory.db");
        let setup = BorgSetup {
            mail_root,
            state_dir,
            repo,
            passphrase_file,
            config: root.join("postier.toml"),
            db,
            borg_base,
            program: assert_cmd::cargo::cargo_bin("postier"),
            uid_gid: None,
            dir,
        };
        setup.write_config(&setup.repo.display().to_string(), extra);
        let init = setup
            .borg()
            .args(["init", "--encryption=repokey-blake2"])
            .arg(&setup.repo)
            .output()
            .unwrap();
        assert!(init.status.success(), "borg init: {init:?}");
        setup.ok(&["db", "migrate"]);
        // The hooks (move-aside among them) start at the journal's end.
        setup.ok(&["hooks", "run"]);
        setup
    }

    /// Removes `address` and delivers the hooks: its maildir moves aside
    /// (the built-in move-aside hook); the paths aside for it after that.
    pub fn remove_mailbox(&self, address: &str) -> Vec<String> {
        self.ok(&["mailbox", "rm", address]);
        self.ok(&["hooks", "run"]);
        let (local, domain) = address.split_once('@').unwrap();
        let dir = self.mail_root.join(".removed").join(domain);
        let mut found: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with(&format!("{local}@")) && !n.ends_with(".json"))
                    .map(|n| format!(".removed/{domain}/{n}"))
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found
    }

    /// Rewrites the config with `repository` and `extra` in `[backup]`.
    pub fn write_config(&self, repository: &str, extra: &str) {
        let text = format!(
            "[directory]\nurl = \"sqlite:{db}\"\n\n[stack]\nmail_root = \"{root}\"\n\n\
             [backup]\nrepository = \"{repository}\"\npassphrase_file = \"{pass}\"\n\
             state_dir = \"{state}\"\nlock_wait = \"5s\"\n{extra}\n",
            db = self.db.display(),
            root = self.mail_root.display(),
            pass = self.passphrase_file.display(),
            state = self.state_dir.display(),
        );
        std::fs::write(&self.config, text).unwrap();
    }

    /// borg, as the test itself runs it (to look into the repository).
    pub fn borg(&self) -> Command {
        let mut c = Command::new("borg");
        c.env("BORG_BASE_DIR", &self.borg_base)
            .env(
                "BORG_PASSCOMMAND",
                format!("cat {}", self.passphrase_file.display()),
            )
            .env("BORG_REPO", &self.repo)
            .env_remove("BORG_PASSPHRASE");
        c
    }

    /// The archive names the repository holds.
    pub fn archives_in_repo(&self) -> Vec<String> {
        let out = self.borg().args(["list", "--short"]).output().unwrap();
        assert!(out.status.success(), "borg list: {out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect()
    }

    /// The paths `archive` holds.
    pub fn archive_paths(&self, archive: &str) -> Vec<String> {
        let out = self
            .borg()
            .args(["list", "--format", "{path}{NL}"])
            .arg(format!("::{archive}"))
            .output()
            .unwrap();
        assert!(out.status.success(), "borg list ::{archive}: {out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.program);
        c.arg("--config")
            .arg(&self.config)
            .args(args)
            .env("BORG_BASE_DIR", &self.borg_base)
            .env_remove("BORG_PASSPHRASE")
            .env_remove("POSTIER_DIRECTORY")
            .env_remove("POSTIER_CONFIG")
            .env("LANG", "C");
        if let Some((uid, gid)) = self.uid_gid {
            use std::os::unix::process::CommandExt;
            c.uid(uid).gid(gid).env("HOME", self.dir.path());
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs postier, which must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "postier {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs postier `--json`, which must exit with `code`; its document.
    pub fn json_exit(&self, args: &[&str], code: i32) -> (Value, String) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "postier {args:?}: {stderr}\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (doc, stderr)
    }

    pub fn json(&self, args: &[&str]) -> Value {
        self.json_exit(args, 0).0
    }

    /// Adds `address` (and its domain when new).
    pub fn add_mailbox(&self, address: &str) {
        let domain = address.split('@').nth(1).unwrap();
        let _ = self.run(&["domain", "add", domain]);
        self.ok(&["mailbox", "add", address, "--generate-password"]);
    }

    /// The maildir of `address` (domain/local under the mail root).
    pub fn maildir(&self, address: &str) -> PathBuf {
        let (local, domain) = address.split_once('@').unwrap();
        self.mail_root.join(domain).join(local)
    }

    /// Writes `n` messages into the maildir of `address` (cur/ and new/).
    pub fn deliver(&self, address: &str, n: usize, tag: &str) {
        let md = self.maildir(address);
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(md.join(sub)).unwrap();
        }
        for i in 0..n {
            let sub = if i % 3 == 0 { "new" } else { "cur" };
            let name = if sub == "cur" {
                format!("17000{i:05}.M{i}P1.host,S=300:2,S")
            } else {
                format!("17000{i:05}.M{i}P1.host,S=300")
            };
            let body = format!(
                "From: someone@example.net\r\nTo: {address}\r\nSubject: {tag} {i}\r\n\r\nMessage {i} ({tag}).\r\n"
            );
            std::fs::write(md.join(sub).join(name), body).unwrap();
        }
    }

    /// Runs everything as `uid:gid` from now on: the tree is theirs, the
    /// binary copied where they can run it.
    pub fn run_as(&mut self, uid: u32, gid: u32) {
        let copy = self.dir.path().join("postier");
        std::fs::copy(&self.program, &copy).unwrap();
        set_mode(&copy, 0o755);
        self.program = copy;
        chown_tree(self.dir.path(), uid, gid);
        self.uid_gid = Some((uid, gid));
    }

    /// The journal's events (name, object) so far.
    pub fn journal(&self) -> Vec<(String, String, Value)> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let d = postier::directory::open(&format!("sqlite:{}", self.db.display()))
                .await
                .unwrap();
            d.journal(0, 100_000)
                .await
                .unwrap()
                .into_iter()
                .map(|e| (e.event, e.object, e.payload))
                .collect()
        })
    }

    /// Moves aside what the last `mailbox.rm` event removed, as the
    /// hooks service does; the paths now aside.
    pub fn move_aside_last_rm(&self) -> Vec<String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let d = postier::directory::open(&format!("sqlite:{}", self.db.display()))
                .await
                .unwrap();
            let event = d
                .journal(0, 100_000)
                .await
                .unwrap()
                .into_iter()
                .rfind(|e| e.event == "mailbox.rm")
                .expect("a mailbox.rm event");
            let config = postier::config::Config::read(&self.config).unwrap();
            postier::backup::move_aside(&config, &event)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.path)
                .collect()
        })
    }

    /// Runs SQL on the catalogue (to tamper with it).
    pub fn catalogue_sql(&self, sql: &str) {
        let out = Command::new("sqlite3")
            .arg(self.state_dir.join("catalogue.db"))
            .arg(sql)
            .output()
            .unwrap();
        assert!(out.status.success(), "sqlite3: {out:?}");
    }
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn chown_tree(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
    if path.is_dir() && !path.is_symlink() {
        for e in std::fs::read_dir(path).unwrap() {
            chown_tree(&e.unwrap().path(), uid, gid);
        }
    }
}

/// Every file under `dir`: relative path → contents.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(base).unwrap().display().to_string();
            if p.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(base, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
