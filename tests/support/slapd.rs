//! A throwaway OpenLDAP server per test: cn=config built offline with
//! `slapadd -n0` (core, cosine, inetorgperson and postier's schema), the
//! base DIT from `schema/ldap/base.ldif` under `dc=postier,dc=test`, a
//! certificate from a test CA for `ldaps://` and StartTLS, listening on
//! 127.0.0.1 (two free ports) and on an `ldapi://` socket in its temp dir.
//! The server is killed when the [`Slapd`] is dropped.

use super::ports::free_port;
use super::services::require_service;
use postier::config::DirectoryConfig;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const BASE_DN: &str = "dc=postier,dc=test";
pub const BIND_DN: &str = "cn=postier,dc=postier,dc=test";
pub const ADMIN_DN: &str = "cn=admin,dc=postier,dc=test";
/// A read-only account, for the mail stack's lookups.
pub const LOOKUP_DN: &str = "cn=mailstack,dc=postier,dc=test";

const SLAPD: &str = "/usr/sbin/slapd";
const SLAPADD: &str = "/usr/sbin/slapadd";
const SCHEMA_DIR: &str = "/etc/ldap/schema";

/// How the test server is set up.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Load postier's schema at start (else a test loads it live).
    pub postier_schema: bool,
    /// Sync every write to disk (slapd's default); off, writes are faster.
    pub sync: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            postier_schema: true,
            sync: false,
        }
    }
}

pub struct Slapd {
    dir: TempDir,
    child: Child,
    pub port: u16,
    pub tls_port: u16,
    password: String,
}

impl Slapd {
    /// A running server, or `None` (after the loud warning) when slapd is
    /// not installed locally; under CI its absence fails the test.
    pub fn start() -> Option<Slapd> {
        Self::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> Option<Slapd> {
        let installed = [SLAPD, SLAPADD, "/usr/bin/openssl"]
            .iter()
            .all(|p| Path::new(p).exists())
            .then_some(());
        require_service(
            "slapd",
            installed,
            "install slapd, ldap-utils and openssl: tests/services/install.sh",
        )?;
        let dir = tempfile::Builder::new()
            .prefix("postier-slapd")
            .tempdir()
            .expect("a temp dir for slapd");
        let password = format!("pw-{:016x}", rand::random::<u64>());
        make_certificates(dir.path());
        // No newline: ldap-utils' -y takes the whole file as the password.
        std::fs::write(dir.path().join("bind.pw"), &password).expect("password file");
        set_mode(&dir.path().join("bind.pw"), 0o600);
        let lookup_password = format!("lookup-{:016x}", rand::random::<u64>());
        std::fs::write(dir.path().join("lookup.pw"), &lookup_password).expect("password file");
        set_mode(&dir.path().join("lookup.pw"), 0o600);
        configure(dir.path(), options, &password, &lookup_password);
        for _ in 0..5 {
            let (port, tls_port) = (free_port(), free_port());
            if let Some(child) = launch(dir.path(), port, tls_port) {
                return Some(Slapd {
                    dir,
                    child,
                    port,
                    tls_port,
                    password,
                });
            }
        }
        panic!(
            "slapd did not start; its log:\n{}",
            std::fs::read_to_string(dir.path().join("slapd.log")).unwrap_or_default()
        );
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn ldap_url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    pub fn ldaps_url(&self) -> String {
        format!("ldaps://127.0.0.1:{}", self.tls_port)
    }

    pub fn ldapi_url(&self) -> String {
        format!("ldapi://{}", encode_path(&self.socket()))
    }

    pub fn socket(&self) -> PathBuf {
        self.path().join("ldapi")
    }

    pub fn ca_file(&self) -> PathBuf {
        self.path().join("ca.pem")
    }

    pub fn password_file(&self) -> PathBuf {
        self.path().join("bind.pw")
    }

    /// SIGKILL, as a machine losing the server would; returns once it is
    /// gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(self.socket());
    }

    /// Starts the killed server again, on its data and its ports.
    pub fn restart(&mut self) {
        self.child = launch(self.dir.path(), self.port, self.tls_port).unwrap_or_else(|| {
            panic!(
                "slapd did not start again; its log:\n{}",
                std::fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default()
            )
        });
    }

    /// The password file of the read-only lookup account ([`LOOKUP_DN`]).
    pub fn lookup_password_file(&self) -> PathBuf {
        self.path().join("lookup.pw")
    }

    /// The bind password of postier's account (and of the admin).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The `[directory]` settings for postier's account, with a state
    /// store of the given name in the server's temp dir.
    pub fn config(&self, state: &str) -> DirectoryConfig {
        DirectoryConfig {
            url: Some(self.ldap_url()),
            base_dn: Some(BASE_DN.into()),
            bind_dn: Some(BIND_DN.into()),
            bind_password_file: Some(self.password_file()),
            starttls: false,
            ca_file: Some(self.ca_file()),
            state_url: Some(format!("sqlite:{}", self.path().join(state).display())),
        }
    }

    /// Runs an ldap-utils tool (`ldapadd`, `ldapsearch`, …) bound as
    /// postier's account over `ldap://`.
    pub fn tool(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(["-x", "-H", &self.ldap_url(), "-D", BIND_DN, "-y"])
            .arg(self.password_file());
        cmd
    }

    /// Runs an ldap-utils tool over the socket with SASL EXTERNAL: the
    /// test's own Unix user, which the server maps to postier's account
    /// (allowed to manage cn=config too, so tests can load schemas live).
    pub fn config_tool(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(["-Q", "-Y", "EXTERNAL", "-H", &self.ldapi_url()]);
        cmd
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn encode_path(path: &Path) -> String {
    path.display()
        .to_string()
        .replace('%', "%25")
        .replace('/', "%2F")
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test CA (`ca.pem`) and a server certificate (`server.pem`,
/// `server.key`) for 127.0.0.1 and localhost, in `dir`. The mail stack's
/// TLS listeners use them too.
pub fn make_certificates(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    run(Command::new("openssl")
        .current_dir(dir)
        .args(["req", "-x509"])
        .args(ec)
        .args(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"])
        .args(["-subj", "/CN=postier test CA"]));
    run(Command::new("openssl")
        .current_dir(dir)
        .arg("req")
        .args(ec)
        .args(["-keyout", "server.key", "-out", "server.csr"])
        .args(["-subj", "/CN=127.0.0.1"]));
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\n\
         keyUsage = digitalSignature\nextendedKeyUsage = serverAuth\n",
    )
    .expect("extensions");
    run(Command::new("openssl").current_dir(dir).args([
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]));
}

/// Builds cn=config and the database offline.
fn configure(dir: &Path, options: Options, password: &str, lookup_password: &str) {
    let config_dir = dir.join("slapd.d");
    let db_dir = dir.join("db");
    std::fs::create_dir_all(&config_dir).expect("config dir");
    std::fs::create_dir_all(&db_dir).expect("db dir");
    let root = env!("CARGO_MANIFEST_DIR");
    let mut schemas = vec![
        format!("{SCHEMA_DIR}/core.ldif"),
        format!("{SCHEMA_DIR}/cosine.ldif"),
        format!("{SCHEMA_DIR}/inetorgperson.ldif"),
    ];
    if options.postier_schema {
        schemas.push(format!("{root}/schema/ldap/postier.ldif"));
    }
    let includes: String = schemas
        .iter()
        .map(|s| format!("include: file://{s}\n\n"))
        .collect();
    let (uid, gid) = (users_id("-u"), users_id("-g"));
    let d = dir.display();
    let sync = if options.sync { "FALSE" } else { "TRUE" };
    let hash = hash_password(password);
    let config = format!(
        "dn: cn=config\nobjectClass: olcGlobal\ncn: config\nolcLogLevel: none\n\
         olcAuthzRegexp: {{0}}\"gidNumber={gid}\\+uidNumber={uid},cn=peercred,cn=external,cn=auth\" \"{BIND_DN}\"\n\
         olcTLSCACertificateFile: {d}/ca.pem\nolcTLSCertificateFile: {d}/server.pem\n\
         olcTLSCertificateKeyFile: {d}/server.key\n\n\
         dn: cn=module{{0}},cn=config\nobjectClass: olcModuleList\ncn: module{{0}}\n\
         olcModulePath: /usr/lib/ldap\nolcModuleLoad: back_mdb\n\n\
         dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n\n\
         {includes}\
         dn: olcDatabase={{-1}}frontend,cn=config\nobjectClass: olcDatabaseConfig\n\
         objectClass: olcFrontendConfig\nolcDatabase: {{-1}}frontend\n\n\
         dn: olcDatabase={{0}}config,cn=config\nobjectClass: olcDatabaseConfig\nolcDatabase: {{0}}config\n\
         olcAccess: {{0}}to * by dn.exact=\"{BIND_DN}\" manage by * break\n\n\
         dn: olcDatabase={{1}}mdb,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcMdbConfig\n\
         olcDatabase: {{1}}mdb\nolcSuffix: {BASE_DN}\nolcDbDirectory: {db}\n\
         olcRootDN: {ADMIN_DN}\nolcRootPW: {hash}\nolcDbNoSync: {sync}\nolcDbMaxSize: 1073741824\n\
         olcDbIndex: objectClass eq\n\
         olcDbIndex: associatedDomain,uid,mail,cn eq\n{postier_index}\
         olcAccess: {{0}}to attrs=userPassword by dn.exact=\"{BIND_DN}\" write by dn.exact=\"{LOOKUP_DN}\" read by self write by anonymous auth by * none\n\
         olcAccess: {{1}}to * by dn.exact=\"{BIND_DN}\" write by users read by * none\n\
         olcLimits: dn.exact=\"{BIND_DN}\" size.prtotal=unlimited\n",
        db = db_dir.display(),
        postier_index = if options.postier_schema {
            "olcDbIndex: postierAddress,postierAliasTarget,postierTargetDomain eq\n"
        } else {
            ""
        },
    );
    std::fs::write(dir.join("config.ldif"), config).expect("config.ldif");
    run(Command::new(SLAPADD)
        .args(["-n0", "-F"])
        .arg(&config_dir)
        .arg("-l")
        .arg(dir.join("config.ldif")));
    let base = std::fs::read_to_string(format!("{root}/schema/ldap/base.ldif"))
        .expect("schema/ldap/base.ldif")
        .replace("dc=example,dc=net", BASE_DN)
        .replace("userPassword: {CRYPT}*", &format!("userPassword: {hash}"));
    let lookup_hash = hash_password(lookup_password);
    let data = format!(
        "dn: {BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: postier\no: postier tests\n\n{base}\n\
         dn: {LOOKUP_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n\
         cn: mailstack\nuserPassword: {lookup_hash}\n"
    );
    std::fs::write(dir.join("base.ldif"), data).expect("base.ldif");
    run(Command::new(SLAPADD)
        .args(["-n1", "-F"])
        .arg(&config_dir)
        .arg("-l")
        .arg(dir.join("base.ldif")));
}

/// A `{CRYPT}` SHA-512 hash, the form postier stores.
fn hash_password(password: &str) -> String {
    let out = Command::new("/usr/sbin/slappasswd")
        .args(["-h", "{CRYPT}", "-c", "$6$%.16s", "-s", password])
        .output()
        .expect("slappasswd");
    assert!(out.status.success(), "slappasswd failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn users_id(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().expect("id");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Starts slapd in the foreground (`-d 0`) and waits until both ports and
/// the socket answer; `None` if it exited (a port was taken meanwhile).
fn launch(dir: &Path, port: u16, tls_port: u16) -> Option<Child> {
    let socket = dir.join("ldapi");
    let urls = format!(
        "ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/ ldapi://{}",
        encode_path(&socket)
    );
    let log = std::fs::File::create(dir.join("slapd.log")).expect("log file");
    let mut child = Command::new(SLAPD)
        .args(["-d", "0", "-F"])
        .arg(dir.join("slapd.d"))
        .args(["-h", &urls])
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("spawn slapd");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            return None;
        }
        let up = [port, tls_port]
            .iter()
            .all(|p| TcpStream::connect(("127.0.0.1", *p)).is_ok())
            && socket.exists();
        if up {
            return Some(child);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}
