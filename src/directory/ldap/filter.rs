//! Search and assertion filters. Every value that goes into a filter is
//! escaped by RFC 4515 rules here, and nowhere else; attribute names are
//! constants of postier's schema, never input.

use ldap3::ldap_escape;

/// `(attr=value)`, the value escaped.
pub fn eq(attr: &str, value: &str) -> String {
    format!("({attr}={})", ldap_escape(value))
}

/// `(objectClass=class)`.
pub fn class(class: &str) -> String {
    eq("objectClass", class)
}

/// `(attr=*)`.
pub fn present(attr: &str) -> String {
    format!("({attr}=*)")
}

/// `(&…)` of filters built here.
pub fn and<I: IntoIterator<Item = String>>(parts: I) -> String {
    format!("(&{})", parts.into_iter().collect::<String>())
}

/// `(|…)` of filters built here.
pub fn or<I: IntoIterator<Item = String>>(parts: I) -> String {
    format!("(|{})", parts.into_iter().collect::<String>())
}

/// `(!…)` of a filter built here.
pub fn not(part: String) -> String {
    format!("(!{part})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_stay_values() {
        assert_eq!(eq("uid", "*)(uid=*"), "(uid=\\2a\\29\\28uid=\\2a)");
        assert_eq!(eq("cn", "a\\b\0c"), "(cn=a\\5cb\\00c)");
        assert_eq!(eq("cn", "Jürgen"), "(cn=Jürgen)");
        let f = and([class("postierMailbox"), eq("postierAddress", "x)(|(a=*")]);
        assert_eq!(
            f,
            "(&(objectClass=postierMailbox)(postierAddress=x\\29\\28|\\28a=\\2a))"
        );
        // Each filter parses as exactly what it says.
        for filter in [&f, &eq("uid", "*)(uid=*"), &not(present("postierLock"))] {
            ldap3::parse_filter(filter).unwrap();
        }
    }
}
