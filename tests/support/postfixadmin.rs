//! A throwaway PostfixAdmin (Debian's `postfixadmin` package) on SQLite:
//! its sources copied into a temp dir with a config of their own (the
//! package's config lives in /etc and names a MariaDB database), the
//! database made by PostfixAdmin's own `upgrade.php`, and domains,
//! mailboxes and aliases added through its own CLI
//! (`scripts/postfixadmin-cli`), one PHP process each, as an admin would.

use super::services::require_service;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

const SOURCES: &str = "/usr/share/postfixadmin";
const PACKAGE_CONFIG: &str = "/etc/postfixadmin/config.inc.php";

pub struct PostfixAdmin {
    dir: TempDir,
}

impl PostfixAdmin {
    /// A fresh PostfixAdmin with an empty database, or `None` (after the
    /// loud warning) when the package or PHP is missing outside CI.
    pub fn start() -> Option<PostfixAdmin> {
        let installed = (Path::new(SOURCES).join("scripts/postfixadmin-cli").exists()
            && Path::new(PACKAGE_CONFIG).exists()
            && Command::new("php").arg("-m").output().is_ok_and(|o| {
                o.status.success() && String::from_utf8_lossy(&o.stdout).contains("pdo_sqlite")
            }))
        .then_some(());
        require_service(
            "PostfixAdmin (postfixadmin, php-cli, php-sqlite3)",
            installed,
            "run tests/services/install.sh",
        )?;
        let dir = tempfile::Builder::new()
            .prefix("postier-pfa-")
            .tempdir()
            .expect("temp dir");
        let app = dir.path().join("app");
        let copied = Command::new("cp")
            .args(["-r", SOURCES])
            .arg(&app)
            .status()
            .expect("cp");
        assert!(copied.success(), "cannot copy {SOURCES}");
        // The package links its config and template cache into /etc and
        // /var: this copy gets its own.
        for link in ["config.inc.php", "config.local.php", "templates_c"] {
            let _ = std::fs::remove_file(app.join(link));
        }
        std::fs::copy(PACKAGE_CONFIG, app.join("config.inc.php")).expect("config");
        std::fs::create_dir(app.join("templates_c")).expect("templates_c");
        std::fs::write(
            app.join("dbconfig.inc.php"),
            "<?php\n$dbserver='localhost'; $dbuser=''; $dbpass=''; $dbname=''; $dbtype='sqlite'; $dbport=''; $basepath='';\n",
        )
        .expect("dbconfig");
        let pfa = PostfixAdmin { dir };
        std::fs::write(pfa.database(), b"").expect("database file");
        pfa.configure("md5crypt");
        let out = Command::new("php")
            .arg("upgrade.php")
            .current_dir(app.join("public"))
            .output()
            .expect("php upgrade.php");
        assert!(
            out.status.success() && pfa.has_table("mailbox"),
            "PostfixAdmin's upgrade.php did not make its schema: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Some(pfa)
    }

    /// Its SQLite database.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("postfixadmin.db")
    }

    /// The `--from` source that names this PostfixAdmin's database.
    pub fn source(&self) -> String {
        format!("postfixadmin:sqlite:{}", self.database().display())
    }

    /// Rewrites config.local.php; `encrypt` is how new passwords are
    /// hashed (`md5crypt`, `php_crypt:SHA512`, `dovecot:SHA512-CRYPT`…).
    pub fn configure(&self, encrypt: &str) {
        let local = format!(
            "<?php\n$CONF['configured'] = true;\n$CONF['database_type'] = 'sqlite';\n\
             $CONF['database_name'] = '{}';\n$CONF['emailcheck_resolve_domain'] = 'NO';\n\
             $CONF['quota'] = 'YES';\n$CONF['domain_quota'] = 'YES';\n\
             $CONF['encrypt'] = '{encrypt}';\n$CONF['dovecotpw'] = '/usr/bin/doveadm pw';\n",
            self.database().display()
        );
        std::fs::write(self.dir.path().join("app/config.local.php"), local).expect("config");
    }

    fn has_table(&self, table: &str) -> bool {
        Command::new("sqlite3")
            .arg(self.database())
            .arg(format!(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
            ))
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == table)
    }

    /// Runs `postfixadmin-cli ARGS`; panics with its output unless it
    /// succeeded (it prints "Error: …" on stdout and may still exit 0).
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(self.dir.path().join("app/scripts/postfixadmin-cli"))
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("postfixadmin-cli");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success() && !stdout.contains("Error:"),
            "postfixadmin-cli {args:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// `mailbox add` through the CLI, quota in MB (times its multiplier).
    pub fn add_mailbox(&self, address: &str, password: &str, quota_mb: u64) {
        let quota = quota_mb.to_string();
        let name = address.split('@').next().unwrap_or(address);
        self.cli(&[
            "mailbox",
            "add",
            address,
            "--password",
            password,
            "--password2",
            password,
            "--name",
            name,
            "--quota",
            &quota,
        ]);
    }

    /// One value from its database (`sqlite3`), for checks.
    pub fn query(&self, sql: &str) -> String {
        let out = Command::new("sqlite3")
            .arg(self.database())
            .arg(sql)
            .output()
            .expect("sqlite3");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}
