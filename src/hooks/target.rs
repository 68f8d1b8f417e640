//! One attempt at delivering one event to one hook's target: a command, an
//! HTTP POST, or a mail. Each returns an [`Attempt`]; none prints.

use super::builtin;
use super::event::EventDoc;
use crate::config::{Config, HookConfig, HookTarget, Language, UrlFormat};
use crate::error::{Error, Result};
use crate::mailer::{self, Text, Transport};
use crate::ops::Ops;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How many lines and bytes of a command's stderr (or of an HTTP error
/// body) are kept with the attempt.
pub const DETAIL_LINES: usize = 5;
pub const DETAIL_BYTES: usize = 1024;

/// The `PATH` a command runs with: its environment is otherwise cleared,
/// so nothing of postier's own (database URLs, credentials) reaches it.
pub const CHILD_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Delivered,
    Failed,
    Timeout,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Failed => "failed",
            Outcome::Timeout => "timeout",
        }
    }
}

/// One attempt's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attempt {
    pub outcome: Outcome,
    /// Exit code, HTTP status, or SMTP reply code.
    pub code: Option<i64>,
    /// First lines of stderr, the response, or the error.
    pub detail: String,
}

impl Attempt {
    fn failed(code: Option<i64>, detail: impl Into<String>) -> Attempt {
        Attempt {
            outcome: Outcome::Failed,
            code,
            detail: detail.into(),
        }
    }
}

/// What a delivery needs besides the event: the HTTP client (one, so
/// connections are kept alive), the settings (mail; what built-in hooks
/// read), the directory (for built-in hooks).
pub struct Targets {
    client: reqwest::Client,
    config: Config,
    ops: Ops,
}

impl Targets {
    pub fn new(ops: &Ops, config: &Config) -> Result<Targets> {
        Ok(Targets {
            client: http_client()?,
            config: config.clone(),
            ops: ops.clone(),
        })
    }

    /// Delivers `doc` to `hook`'s target, within its timeout. `secret` is
    /// the hook's HMAC key, if it has one.
    pub async fn deliver(
        &self,
        hook: &HookConfig,
        doc: &EventDoc,
        secret: Option<&[u8]>,
    ) -> Attempt {
        match &hook.target {
            HookTarget::Command(argv) => run_command(argv, hook, doc).await,
            HookTarget::Url {
                url,
                format,
                language,
                ..
            } => {
                let body = url_body(doc, *format, *language);
                self.post(url, body, secret, hook.timeout).await
            }
            HookTarget::Mail { to, language } => {
                let sending = async {
                    let code = self.mail(to, doc, *language).await?;
                    Ok(builtin::Done {
                        code,
                        note: String::new(),
                    })
                };
                within(hook.timeout, sending).await
            }
            HookTarget::Builtin(b) => {
                within(
                    hook.timeout,
                    builtin::deliver(*b, &self.ops, &self.config, doc),
                )
                .await
            }
        }
    }

    async fn post(
        &self,
        url: &url::Url,
        body: String,
        secret: Option<&[u8]>,
        timeout: Duration,
    ) -> Attempt {
        let mut request = self
            .client
            .post(url.clone())
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("User-Agent", concat!("postier/", env!("CARGO_PKG_VERSION")));
        if let Some(key) = secret {
            request = request.header("X-Postier-Signature", signature(key, body.as_bytes()));
        }
        match request.body(body).send().await {
            Ok(response) => {
                let status = response.status();
                let code = Some(i64::from(status.as_u16()));
                if status.is_success() {
                    return Attempt {
                        outcome: Outcome::Delivered,
                        code,
                        detail: String::new(),
                    };
                }
                let text = response.text().await.unwrap_or_default();
                let why = if status.is_redirection() {
                    "redirect not followed".to_string()
                } else {
                    first_lines(&text)
                };
                Attempt::failed(code, why)
            }
            // Without the URL: a webhook's path is often its secret.
            Err(e) if e.is_timeout() => Attempt {
                outcome: Outcome::Timeout,
                code: None,
                detail: format!("no answer within {}s", timeout.as_secs_f64()),
            },
            // Host and port only (the path may be a secret), and the
            // innermost reason: "cannot connect to host:port: connection refused".
            Err(e) if e.is_connect() => {
                let at = match (url.host_str(), url.port_or_known_default()) {
                    (Some(host), Some(port)) => format!("{host}:{port}"),
                    _ => "the server".to_string(),
                };
                Attempt::failed(None, format!("cannot connect to {at}: {}", root_cause(&e)))
            }
            Err(e) => Attempt::failed(None, error_chain(&e.without_url())),
        }
    }

    async fn mail(
        &self,
        to: &[crate::model::Address],
        doc: &EventDoc,
        lang: Language,
    ) -> Result<Option<i64>> {
        let transport = Transport::from_config(&self.config.mail.sender)?;
        let subject = format!("[postier] {}", doc.sentence(lang));
        let body = format!(
            "{}\n\n{}\n",
            doc.sentence(lang),
            serde_json::to_string_pretty(doc).unwrap_or_default()
        );
        let mut code = None;
        for address in to {
            let out = mailer::notice(
                &self.config.mail,
                address,
                Text {
                    subject: subject.clone(),
                    body: body.clone(),
                },
            )?;
            let delivery = transport.send(out.message).await?;
            code = delivery.code.map(i64::from);
        }
        Ok(code)
    }
}

/// The attempt `work` makes within `timeout`.
async fn within(
    timeout: Duration,
    work: impl std::future::Future<Output = Result<builtin::Done>>,
) -> Attempt {
    match tokio::time::timeout(timeout, work).await {
        Err(_) => Attempt {
            outcome: Outcome::Timeout,
            code: None,
            detail: format!("no answer within {}s", timeout.as_secs_f64()),
        },
        Ok(Err(e)) => Attempt::failed(None, first_lines(&e.to_string())),
        Ok(Ok(done)) => Attempt {
            outcome: Outcome::Delivered,
            code: done.code,
            detail: done.note,
        },
    }
}

/// The body a `url` hook posts.
pub fn url_body(doc: &EventDoc, format: UrlFormat, language: Language) -> String {
    match format {
        UrlFormat::Json => doc.to_json(),
        UrlFormat::Mattermost => serde_json::json!({ "text": doc.sentence(language) }).to_string(),
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `key`.
pub fn signature(key: &[u8], body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let tag = ring::hmac::sign(&key, body);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn http_client() -> Result<reqwest::Client> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::unavailable("hooks: TLS", e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(90))
        .build()
        .map_err(|e| Error::unavailable("hooks: HTTP client", error_chain(&e)))
}

/// The innermost error's text, without the OS error number.
fn root_cause(e: &dyn std::error::Error) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(s) = inner.source() {
        inner = s;
    }
    let text = inner.to_string();
    match text.split_once(" (os error") {
        Some((reason, _)) => reason.to_lowercase(),
        None => text,
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    first_lines(&text)
}

/// The first [`DETAIL_LINES`] lines of `text`, at most [`DETAIL_BYTES`].
pub fn first_lines(text: &str) -> String {
    let mut out = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(DETAIL_LINES)
        .collect::<Vec<_>>()
        .join("\n");
    if out.len() > DETAIL_BYTES {
        let mut cut = DETAIL_BYTES;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// Runs `argv` with the event on stdin and the `POSTIER_*` variables, in a
/// process group of its own that is killed whole at the timeout.
async fn run_command(argv: &[String], hook: &HookConfig, doc: &EventDoc) -> Attempt {
    let Some((program, args)) = argv.split_first() else {
        return Attempt::failed(None, "no command");
    };
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .env_clear()
        .env("PATH", CHILD_PATH)
        .env("POSTIER_EVENT", &doc.event)
        .env("POSTIER_EVENT_ID", doc.id.to_string())
        .env("POSTIER_OBJECT", &doc.object)
        .env("POSTIER_DOMAIN", doc.domain.as_deref().unwrap_or_default())
        .env("POSTIER_HOOK", &hook.name)
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return Attempt::failed(None, format!("cannot run {program}: {e}")),
    };
    let pid = child.id();
    let input = doc.to_json();
    let mut stdin = child.stdin.take();
    let mut stderr = child.stderr.take();
    let work = async {
        // Written alongside reading stderr: a command that does not read
        // its stdin must not block us, nor one that writes much to stderr.
        let write = async {
            if let Some(mut s) = stdin.take() {
                let _ = s.write_all(input.as_bytes()).await;
                let _ = s.write_all(b"\n").await;
            }
        };
        let read = async {
            let mut kept = Vec::new();
            if let Some(err) = stderr.as_mut() {
                let mut buf = [0u8; 8192];
                loop {
                    match err.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let room = (4 * DETAIL_BYTES).saturating_sub(kept.len());
                            kept.extend_from_slice(&buf[..n.min(room)]);
                        }
                    }
                }
            }
            kept
        };
        let ((), kept) = tokio::join!(write, read);
        let status = child.wait().await;
        (status, kept)
    };
    match tokio::time::timeout(hook.timeout, work).await {
        Ok((Ok(status), kept)) => {
            let detail = first_lines(&String::from_utf8_lossy(&kept));
            match status.code() {
                Some(0) => Attempt {
                    outcome: Outcome::Delivered,
                    code: Some(0),
                    detail,
                },
                Some(code) => Attempt::failed(Some(i64::from(code)), detail),
                None => {
                    use std::os::unix::process::ExitStatusExt;
                    let signal = status.signal().unwrap_or_default();
                    Attempt::failed(
                        None,
                        first_lines(&format!("killed by signal {signal}\n{detail}")),
                    )
                }
            }
        }
        Ok((Err(e), _)) => Attempt::failed(None, format!("cannot wait for {program}: {e}")),
        Err(_) => {
            if let Some(pid) = pid {
                kill_group(pid);
            }
            Attempt {
                outcome: Outcome::Timeout,
                code: None,
                detail: format!("killed after {}s (timeout)", hook.timeout.as_secs_f64()),
            }
        }
    }
}

/// Kills the process group led by `pid` (the command and whatever it
/// started), then reaps the leader.
fn kill_group(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals the process group we
        // created for this child; it touches no memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_the_rfc4231_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn details_are_short() {
        let many = (0..100).map(|i| format!("line {i}\n")).collect::<String>();
        assert_eq!(first_lines(&many).lines().count(), DETAIL_LINES);
        let long = "é".repeat(2000);
        assert!(first_lines(&long).len() <= DETAIL_BYTES + 3);
    }
}
