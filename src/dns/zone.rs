//! Zone-file lines (RFC 1035 master file syntax) for the records a
//! domain should publish: owner names fully qualified, TXT values split
//! into character-strings of at most 255 bytes and quoted.

use std::fmt;

/// The TTL postier suggests for the records it asks for.
pub const DEFAULT_TTL: u32 = 3600;

/// One resource record, ready to paste into a zone file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneLine {
    /// Owner name in A-label form, without the final dot.
    pub owner: String,
    pub rtype: &'static str,
    /// Presentation-format data (already quoted for TXT).
    pub data: String,
}

impl ZoneLine {
    pub fn txt(owner: &str, value: &str) -> ZoneLine {
        ZoneLine {
            owner: owner.to_string(),
            rtype: "TXT",
            data: quote_txt(value),
        }
    }

    pub fn mx(owner: &str, preference: u16, exchange: &str) -> ZoneLine {
        ZoneLine {
            owner: owner.to_string(),
            rtype: "MX",
            data: format!("{preference} {}", fqdn(exchange)),
        }
    }

    pub fn srv(owner: &str, priority: u16, weight: u16, port: u16, target: &str) -> ZoneLine {
        ZoneLine {
            owner: owner.to_string(),
            rtype: "SRV",
            data: format!("{priority} {weight} {port} {}", fqdn(target)),
        }
    }

    pub fn ptr(owner: &str, target: &str) -> ZoneLine {
        ZoneLine {
            owner: owner.to_string(),
            rtype: "PTR",
            data: fqdn(target),
        }
    }
}

impl fmt::Display for ZoneLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {DEFAULT_TTL} IN {} {}",
            fqdn(&self.owner),
            self.rtype,
            self.data
        )
    }
}

fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

/// `value` as one or more quoted character-strings of at most 255 bytes
/// each (RFC 1035 §3.3.14), escaping `"` and `\`.
pub fn quote_txt(value: &str) -> String {
    let mut parts = Vec::new();
    let mut rest = value;
    while !rest.is_empty() || parts.is_empty() {
        let mut cut = rest.len().min(255);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        let escaped: String = head
            .chars()
            .flat_map(|c| match c {
                '"' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        parts.push(format!("\"{escaped}\""));
        rest = tail;
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_long_txt_at_255_bytes() {
        let value = format!("v=DKIM1; k=rsa; p={}", "A".repeat(400));
        let quoted = quote_txt(&value);
        assert_eq!(quoted.split("\" \"").count(), 2, "{quoted}");
        let joined: String = quoted.split("\" \"").map(|s| s.trim_matches('"')).collect();
        assert_eq!(joined, value);
        for chunk in quoted.split("\" \"") {
            assert!(chunk.trim_matches('"').len() <= 255);
        }
    }

    #[test]
    fn renders_lines() {
        assert_eq!(
            ZoneLine::mx("example.org", 10, "mx1.example.net").to_string(),
            "example.org. 3600 IN MX 10 mx1.example.net."
        );
        assert_eq!(
            ZoneLine::txt("_dmarc.example.org", "v=DMARC1; p=reject").to_string(),
            "_dmarc.example.org. 3600 IN TXT \"v=DMARC1; p=reject\""
        );
        assert_eq!(quote_txt("a\"b"), "\"a\\\"b\"");
        assert_eq!(quote_txt(""), "\"\"");
    }
}
