//! One SPF record parsed against the RFC 7208 §12 grammar, macros
//! included, with errors that quote the offending term. Evaluation is
//! not done here (see [`super::eval`]); this is for linting and for
//! counting what a record costs.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// True when `text` is an SPF record: `v=spf1` then a space or the end
/// (RFC 7208 §4.5), in any case.
pub fn is_spf(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 6 && b[..6].eq_ignore_ascii_case(b"v=spf1") && (b.len() == 6 || b[6] == b' ')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

impl Qualifier {
    pub fn symbol(self) -> char {
        match self {
            Qualifier::Pass => '+',
            Qualifier::Fail => '-',
            Qualifier::SoftFail => '~',
            Qualifier::Neutral => '?',
        }
    }
}

/// A `domain-spec`: a name that may hold macros, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSpec(pub String);

impl DomainSpec {
    pub fn has_macros(&self) -> bool {
        self.0.contains('%')
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    All,
    Include(DomainSpec),
    A(Option<DomainSpec>),
    Mx(Option<DomainSpec>),
    Ptr(Option<DomainSpec>),
    Ip4(Ipv4Addr, u8),
    Ip6(Ipv6Addr, u8),
    Exists(DomainSpec),
}

impl Mechanism {
    /// Terms that cost a DNS lookup towards the limit of 10 (§4.6.4).
    pub fn costs_lookup(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A(_)
                | Mechanism::Mx(_)
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub qualifier: Qualifier,
    pub mechanism: Mechanism,
}

impl fmt::Display for Directive {
    /// As written, without a `+` (the default qualifier).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.qualifier != Qualifier::Pass {
            write!(f, "{}", self.qualifier.symbol())?;
        }
        let spec = |name: &str, s: &Option<DomainSpec>| match s {
            Some(d) => format!("{name}:{}", d.0),
            None => name.to_string(),
        };
        match &self.mechanism {
            Mechanism::All => f.write_str("all"),
            Mechanism::Include(d) => write!(f, "include:{}", d.0),
            Mechanism::A(s) => f.write_str(&spec("a", s)),
            Mechanism::Mx(s) => f.write_str(&spec("mx", s)),
            Mechanism::Ptr(s) => f.write_str(&spec("ptr", s)),
            Mechanism::Ip4(ip, 32) => write!(f, "ip4:{ip}"),
            Mechanism::Ip4(ip, len) => write!(f, "ip4:{ip}/{len}"),
            Mechanism::Ip6(ip, 128) => write!(f, "ip6:{ip}"),
            Mechanism::Ip6(ip, len) => write!(f, "ip6:{ip}/{len}"),
            Mechanism::Exists(d) => write!(f, "exists:{}", d.0),
        }
    }
}

/// A parsed `v=spf1` record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpfRecord {
    pub directives: Vec<Directive>,
    pub redirect: Option<DomainSpec>,
    pub exp: Option<DomainSpec>,
}

impl SpfRecord {
    /// The qualifier of the `all` mechanism, if the record has one.
    pub fn all(&self) -> Option<Qualifier> {
        self.directives
            .iter()
            .find(|d| d.mechanism == Mechanism::All)
            .map(|d| d.qualifier)
    }

    pub fn uses_ptr(&self) -> bool {
        self.directives
            .iter()
            .any(|d| matches!(d.mechanism, Mechanism::Ptr(_)))
    }
}

/// What is wrong with a record, naming the term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub term: String,
    pub why: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.term.is_empty() {
            f.write_str(&self.why)
        } else {
            write!(f, "{:?}: {}", self.term, self.why)
        }
    }
}

fn error(term: &str, why: impl Into<String>) -> SyntaxError {
    SyntaxError {
        term: term.to_string(),
        why: why.into(),
    }
}

/// Parses a whole record (starting with `v=spf1`).
pub fn parse(text: &str) -> Result<SpfRecord, SyntaxError> {
    if !is_spf(text) {
        return Err(error("", "does not start with \"v=spf1 \""));
    }
    if !text.is_ascii() {
        return Err(error("", "holds non-ASCII characters (RFC 7208 §3.1)"));
    }
    let mut record = SpfRecord::default();
    for term in text[6..].split(' ').filter(|t| !t.is_empty()) {
        parse_term(term, &mut record)?;
    }
    Ok(record)
}

fn parse_term(term: &str, record: &mut SpfRecord) -> Result<(), SyntaxError> {
    // A modifier is `name=...` where name starts with a letter; a
    // mechanism never holds '=' before ':' or '/'.
    let name_end = term.find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)));
    if let Some(i) = name_end
        && term.as_bytes()[i] == b'='
        && term.as_bytes()[0].is_ascii_alphabetic()
    {
        let (name, value) = (&term[..i], &term[i + 1..]);
        return parse_modifier(term, name, value, record);
    }
    let (qualifier, rest) = match term.as_bytes()[0] {
        b'+' => (Qualifier::Pass, &term[1..]),
        b'-' => (Qualifier::Fail, &term[1..]),
        b'~' => (Qualifier::SoftFail, &term[1..]),
        b'?' => (Qualifier::Neutral, &term[1..]),
        _ => (Qualifier::Pass, term),
    };
    let split = rest.find([':', '/']).unwrap_or(rest.len());
    let (name, arg) = rest.split_at(split);
    let mechanism = match name.to_ascii_lowercase().as_str() {
        "all" => {
            no_argument(term, arg)?;
            Mechanism::All
        }
        "include" => Mechanism::Include(required_domain(term, arg)?),
        "exists" => Mechanism::Exists(required_domain(term, arg)?),
        "a" => Mechanism::A(domain_and_cidr(term, arg)?),
        "mx" => Mechanism::Mx(domain_and_cidr(term, arg)?),
        "ptr" => {
            let spec = match arg.strip_prefix(':') {
                Some(d) => Some(domain_spec(term, d)?),
                None if arg.is_empty() => None,
                None => return Err(error(term, "ptr takes no CIDR length")),
            };
            Mechanism::Ptr(spec)
        }
        "ip4" => {
            let net = arg
                .strip_prefix(':')
                .ok_or_else(|| error(term, "ip4 needs an address: ip4:192.0.2.0/24"))?;
            let (addr, len) = split_cidr(term, net, 32)?;
            let addr = addr
                .parse::<Ipv4Addr>()
                .map_err(|_| error(term, format!("{addr:?} is not an IPv4 address")))?;
            Mechanism::Ip4(addr, len.unwrap_or(32))
        }
        "ip6" => {
            let net = arg
                .strip_prefix(':')
                .ok_or_else(|| error(term, "ip6 needs an address: ip6:2001:db8::/32"))?;
            let (addr, len) = split_cidr(term, net, 128)?;
            let addr = addr
                .parse::<Ipv6Addr>()
                .map_err(|_| error(term, format!("{addr:?} is not an IPv6 address")))?;
            Mechanism::Ip6(addr, len.unwrap_or(128))
        }
        _ => return Err(error(term, "unknown mechanism")),
    };
    record.directives.push(Directive {
        qualifier,
        mechanism,
    });
    Ok(())
}

fn parse_modifier(
    term: &str,
    name: &str,
    value: &str,
    record: &mut SpfRecord,
) -> Result<(), SyntaxError> {
    match name.to_ascii_lowercase().as_str() {
        "redirect" => {
            if record.redirect.is_some() {
                return Err(error(term, "redirect= may appear only once"));
            }
            record.redirect = Some(domain_spec(term, value)?);
        }
        "exp" => {
            if record.exp.is_some() {
                return Err(error(term, "exp= may appear only once"));
            }
            record.exp = Some(domain_spec(term, value)?);
        }
        // Unknown modifiers are ignored, but their value must still be a
        // valid macro-string (§6).
        _ => macro_string(term, value, false)?,
    }
    Ok(())
}

fn no_argument(term: &str, arg: &str) -> Result<(), SyntaxError> {
    if arg.is_empty() {
        Ok(())
    } else {
        Err(error(term, "takes no argument"))
    }
}

fn required_domain(term: &str, arg: &str) -> Result<DomainSpec, SyntaxError> {
    let spec = arg
        .strip_prefix(':')
        .ok_or_else(|| error(term, "needs a domain: name:domain"))?;
    domain_spec(term, spec)
}

fn domain_and_cidr(term: &str, arg: &str) -> Result<Option<DomainSpec>, SyntaxError> {
    // The CIDR lengths are a numeric suffix; a domain-spec may itself hold
    // ':' and '/' (macro-literal), as in `a:foo:bar/baz.example.com`.
    let (spec, cidr) = split_dual_cidr(arg);
    dual_cidr(term, cidr)?;
    match spec.strip_prefix(':') {
        Some(s) => domain_spec(term, s).map(Some),
        None if spec.is_empty() => Ok(None),
        None => Err(error(term, "expected :domain or /length")),
    }
}

/// Splits `[":" domain] ["/" N] ["//" N]` where its CIDR suffix starts.
fn split_dual_cidr(arg: &str) -> (&str, &str) {
    let mut end = arg.len();
    for separator in ["//", "/"] {
        if let Some(start) = numeric_suffix(&arg[..end], separator) {
            end = start;
        }
    }
    arg.split_at(end)
}

/// Where `separator` + digits ends `text`, if it does.
fn numeric_suffix(text: &str, separator: &str) -> Option<usize> {
    let digits = text.len() - text.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    text[..text.len() - digits]
        .strip_suffix(separator)
        .map(str::len)
}

/// `[ "/" ip4-len ] [ "//" ip6-len ]`
fn dual_cidr(term: &str, cidr: &str) -> Result<(), SyntaxError> {
    if cidr.is_empty() {
        return Ok(());
    }
    let (v4, v6) = match cidr.find("//") {
        Some(i) => (&cidr[..i], Some(&cidr[i + 2..])),
        None => (cidr, None),
    };
    if !v4.is_empty() {
        let len = v4
            .strip_prefix('/')
            .ok_or_else(|| error(term, "bad CIDR length"))?;
        cidr_length(term, len, 32)?;
    }
    if let Some(len) = v6 {
        cidr_length(term, len, 128)?;
    }
    Ok(())
}

fn split_cidr<'a>(term: &str, net: &'a str, max: u8) -> Result<(&'a str, Option<u8>), SyntaxError> {
    match net.split_once('/') {
        Some((addr, len)) => Ok((addr, Some(cidr_length(term, len, max)?))),
        None => Ok((net, None)),
    }
}

fn cidr_length(term: &str, len: &str, max: u8) -> Result<u8, SyntaxError> {
    let valid = !len.is_empty()
        && len.bytes().all(|b| b.is_ascii_digit())
        && !(len.len() > 1 && len.starts_with('0'));
    match len.parse::<u8>() {
        Ok(n) if valid && n <= max => Ok(n),
        _ => Err(error(
            term,
            format!("CIDR length {len:?} is not a number from 0 to {max}"),
        )),
    }
}

/// `domain-spec = macro-string domain-end`: the name must end in a top
/// label that is not all digits, or in a macro.
fn domain_spec(term: &str, spec: &str) -> Result<DomainSpec, SyntaxError> {
    if spec.is_empty() {
        return Err(error(term, "the domain is empty"));
    }
    macro_string(term, spec, false)?;
    if !labels_fit(spec) {
        return Err(error(
            term,
            format!("{spec:?} has an empty label or one longer than 63 octets"),
        ));
    }
    if !spec.ends_with('}') {
        let trimmed = spec.strip_suffix('.').unwrap_or(spec);
        let top = trimmed.rsplit('.').next().unwrap_or_default();
        let has_dot = trimmed.contains('.');
        let alnum_hyphen = top.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let valid_top = has_dot
            && !top.is_empty()
            && alnum_hyphen
            && !top.starts_with('-')
            && !top.ends_with('-')
            && top.bytes().any(|b| b.is_ascii_alphabetic() || b == b'-');
        if !valid_top {
            return Err(error(
                term,
                format!("{spec:?} does not end in a valid top-level label"),
            ));
        }
    }
    Ok(DomainSpec(spec.to_string()))
}

/// Without macros, a name cannot be asked with an empty label or one of
/// more than 63 octets; RFC 7208 leaves the result open, postier calls it
/// a syntax error (permerror) so that the record gets fixed.
fn labels_fit(spec: &str) -> bool {
    spec.contains('%')
        || spec
            .strip_suffix('.')
            .unwrap_or(spec)
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= 63)
}

/// Checks macro syntax (§7.1). `in_exp` allows the `c`, `r`, `t` letters.
pub fn macro_string(term: &str, text: &str, in_exp: bool) -> Result<(), SyntaxError> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !(0x21..=0x7e).contains(&c) {
            return Err(error(term, "holds a character that is not visible ASCII"));
        }
        if c != b'%' {
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'%' | b'_' | b'-') => i += 2,
            Some(b'{') => {
                let close = text[i..]
                    .find('}')
                    .map(|j| i + j)
                    .ok_or_else(|| error(term, "macro %{ is not closed"))?;
                macro_body(term, &text[i + 2..close], in_exp)?;
                i = close + 1;
            }
            _ => {
                return Err(error(term, "a lone % must be written %% (or %{…}, %_, %-)"));
            }
        }
    }
    Ok(())
}

fn macro_body(term: &str, body: &str, in_exp: bool) -> Result<(), SyntaxError> {
    let mut chars = body.chars();
    let letter = chars
        .next()
        .ok_or_else(|| error(term, "empty macro %{}"))?
        .to_ascii_lowercase();
    let allowed = if in_exp { "slodiphcrtv" } else { "slodiphv" };
    if !allowed.contains(letter) {
        return Err(error(term, format!("unknown macro letter {letter:?}")));
    }
    let rest = chars.as_str();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && rest[..digits].parse::<u32>().map_or(true, |n| n == 0) {
        return Err(error(term, "a macro's label count must be at least 1"));
    }
    let mut rest = &rest[digits..];
    if let Some(r) = rest.strip_prefix(['r', 'R']) {
        rest = r;
    }
    if let Some(bad) = rest.chars().find(|c| !".-+,/_=".contains(*c)) {
        return Err(error(term, format!("{bad:?} is not a macro delimiter")));
    }
    Ok(())
}

/// The exp= target's TXT is a macro-string where `c`, `r`, `t` are allowed.
pub fn check_explanation(text: &str) -> Result<(), SyntaxError> {
    // Explanation text may hold spaces, which macro-literal excludes.
    for word in text.split(' ') {
        macro_string(text, word, true)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_spf_records() {
        assert!(is_spf("v=spf1"));
        assert!(is_spf("V=SPF1 -all"));
        assert!(!is_spf("v=spf10 -all"));
        assert!(!is_spf("v=DMARC1; p=none"));
    }

    #[test]
    fn parses_every_mechanism() {
        let r = parse(
            "v=spf1 +a -mx:mx.%{d}/24//64 ~ptr ?include:_spf.example.net \
             ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{i}._spf.%{d} \
             redirect=_spf.example.net exp=explain.%{d} foo=bar -all",
        )
        .unwrap();
        assert_eq!(r.directives.len(), 8);
        assert_eq!(r.all(), Some(Qualifier::Fail));
        assert!(r.uses_ptr());
        assert_eq!(r.redirect, Some(DomainSpec("_spf.example.net".into())));
        assert_eq!(
            r.directives[5].mechanism,
            Mechanism::Ip6("2001:db8::".parse().unwrap(), 32)
        );
        assert!(matches!(&r.directives[6].mechanism, Mechanism::Exists(d) if d.has_macros()));
        assert!(parse("v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all").is_ok());
        let r = parse("v=spf1 a:foo:bar/baz.example.com a/24 mx//64 a:example.com/24//64").unwrap();
        assert_eq!(
            r.directives[0].mechanism,
            Mechanism::A(Some(DomainSpec("foo:bar/baz.example.com".into())))
        );
        assert_eq!(r.directives[1].mechanism, Mechanism::A(None));
        assert_eq!(r.directives[2].mechanism, Mechanism::Mx(None));
        assert_eq!(
            r.directives[3].mechanism,
            Mechanism::A(Some(DomainSpec("example.com".into())))
        );
    }

    #[test]
    fn rejects_what_rfc_7208_rejects() {
        for (bad, needle) in [
            ("v=spf1 ip4:192.0.2.1/33", "CIDR"),
            ("v=spf1 ip4:192.0.2.300", "IPv4"),
            ("v=spf1 a:example.com/024", "CIDR"),
            ("v=spf1 foo:example.com", "unknown mechanism"),
            ("v=spf1 include", "needs a domain"),
            ("v=spf1 a:foo.1", "top-level"),
            ("v=spf1 exists:%{x}.example.com", "macro letter"),
            ("v=spf1 exists:%{d0}.example.com", "at least 1"),
            ("v=spf1 a:50%.example.com", "lone %"),
            ("v=spf1 redirect=a.example redirect=b.example", "only once"),
            ("v=spf1 all:foo", "no argument"),
            ("v=spf1 a/33", "CIDR"),
            ("v=spf1 a:mail.example...com", "empty label"),
            ("v=spf1 mx:example.com//129", "CIDR"),
            ("v=spf1 -all caf\u{e9}", "non-ASCII"),
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.to_string().contains(needle), "{bad}: {err}");
        }
    }
}
