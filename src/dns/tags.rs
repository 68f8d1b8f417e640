//! `tag=value; tag=value` lists, the syntax shared by DKIM key records
//! (RFC 6376 §3.2), DMARC (RFC 7489 §6.4), MTA-STS (RFC 8461 §3.1) and
//! TLS-RPT (RFC 8460 §3) TXT records.

/// One record's tags, in order. Tag names are kept as written; lookups
/// ignore ASCII case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagList {
    pub tags: Vec<(String, String)>,
}

impl TagList {
    /// Splits `text` on `;`, each part on the first `=`, trimming
    /// whitespace. An empty trailing part (a final `;`) is allowed.
    /// Errors name the part that is not `tag=value` or a repeated tag.
    pub fn parse(text: &str) -> Result<TagList, String> {
        let mut tags: Vec<(String, String)> = Vec::new();
        for part in text.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let Some((name, value)) = part.split_once('=') else {
                return Err(format!("{part:?} is not tag=value"));
            };
            let name = name.trim();
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!("{name:?} is not a valid tag name"));
            }
            if tags.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                return Err(format!("tag {name:?} appears twice"));
            }
            tags.push((name.to_string(), value.trim().to_string()));
        }
        Ok(TagList { tags })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first tag's name and value.
    pub fn first(&self) -> Option<(&str, &str)> {
        self.tags.first().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let t = TagList::parse("v=DMARC1; p=reject ;rua=mailto:a@b.example;").unwrap();
        assert_eq!(t.first(), Some(("v", "DMARC1")));
        assert_eq!(t.get("P"), Some("reject"));
        assert_eq!(t.get("rua"), Some("mailto:a@b.example"));
        assert!(TagList::parse("v=DMARC1; p").unwrap_err().contains("\"p\""));
        assert!(TagList::parse("p=a; p=b").unwrap_err().contains("twice"));
        assert!(TagList::parse("a b=c").is_err());
    }
}
