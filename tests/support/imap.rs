//! Just enough IMAP4rev1 over a plain TcpStream for the e2e suite: LOGIN,
//! SELECT, FETCH of whole messages, LOGOUT. Literals (`{N}`) are read by
//! length, so message bodies come back byte for byte.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct Imap {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    next_tag: u32,
}

/// One command's response: untagged lines (literals inlined) and the
/// tagged status line.
pub struct Reply {
    pub lines: Vec<String>,
    pub literals: Vec<Vec<u8>>,
    pub status: String,
}

impl Reply {
    pub fn ok(&self) -> bool {
        self.status.split_whitespace().nth(1) == Some("OK")
    }
}

impl Imap {
    pub fn connect(port: u16) -> std::io::Result<Imap> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(15)))?;
        let writer = stream.try_clone()?;
        let mut imap = Imap {
            reader: BufReader::new(stream),
            writer,
            next_tag: 1,
        };
        let greeting = imap.line()?;
        if !greeting.starts_with("* OK") {
            return Err(std::io::Error::other(format!("IMAP greeting: {greeting}")));
        }
        Ok(imap)
    }

    fn line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("IMAP server closed the connection"));
        }
        Ok(line)
    }

    /// Sends `command` and reads up to its tagged reply.
    pub fn command(&mut self, command: &str) -> std::io::Result<Reply> {
        let tag = format!("a{}", self.next_tag);
        self.next_tag += 1;
        self.writer
            .write_all(format!("{tag} {command}\r\n").as_bytes())?;
        let mut reply = Reply {
            lines: Vec::new(),
            literals: Vec::new(),
            status: String::new(),
        };
        loop {
            let mut line = self.line()?;
            // A line ending in {N} announces N bytes of literal data.
            while let Some(n) = literal_length(&line) {
                let mut data = vec![0; n];
                self.reader.read_exact(&mut data)?;
                reply.literals.push(data);
                line.push_str(&self.line()?);
            }
            if line.starts_with(&format!("{tag} ")) {
                reply.status = line.trim_end().to_string();
                return Ok(reply);
            }
            reply.lines.push(line.trim_end().to_string());
        }
    }

    /// LOGIN with quoted credentials; Err carries the server's refusal.
    pub fn login(&mut self, user: &str, password: &str) -> Result<(), String> {
        let reply = self
            .command(&format!("LOGIN {} {}", quoted(user), quoted(password)))
            .map_err(|e| e.to_string())?;
        if reply.ok() {
            Ok(())
        } else {
            Err(reply.status)
        }
    }

    /// Every message in INBOX, whole.
    pub fn inbox(&mut self) -> Result<Vec<String>, String> {
        self.folder("INBOX")
    }

    /// The folder names LIST shows.
    pub fn folders(&mut self) -> Result<Vec<String>, String> {
        let list = self.command("LIST \"\" \"*\"").map_err(|e| e.to_string())?;
        if !list.ok() {
            return Err(list.status);
        }
        Ok(list
            .lines
            .iter()
            .filter_map(|l| l.strip_prefix("* LIST "))
            .filter_map(|l| match l.strip_suffix('"') {
                // `(\flags) "." "name with spaces"`
                Some(quoted) => quoted.rsplit_once('"').map(|(_, name)| name.to_string()),
                None => l.rsplit_once(' ').map(|(_, name)| name.to_string()),
            })
            .collect())
    }

    /// Every message of folder `name` (SELECT, then FETCH of all).
    pub fn folder(&mut self, name: &str) -> Result<Vec<String>, String> {
        let select = self
            .command(&format!("SELECT \"{name}\""))
            .map_err(|e| e.to_string())?;
        if !select.ok() {
            return Err(select.status);
        }
        let exists = select
            .lines
            .iter()
            .find_map(|l| {
                l.strip_prefix("* ")?
                    .strip_suffix(" EXISTS")?
                    .parse::<u32>()
                    .ok()
            })
            .unwrap_or(0);
        if exists == 0 {
            return Ok(Vec::new());
        }
        let fetch = self
            .command("FETCH 1:* BODY.PEEK[]")
            .map_err(|e| e.to_string())?;
        if !fetch.ok() {
            return Err(fetch.status);
        }
        Ok(fetch
            .literals
            .iter()
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .collect())
    }

    pub fn logout(mut self) {
        let _ = self.command("LOGOUT");
    }
}

fn literal_length(line: &str) -> Option<usize> {
    let body = line.strip_suffix("\r\n")?.strip_suffix('}')?;
    let open = body.rfind('{')?;
    body[open + 1..].parse().ok()
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
