//! `Size`: byte counts for quotas, written `500M`, `2G`, `1GiB` or plain
//! bytes; `0` means unlimited.
//!
//! Units follow Dovecot, which reads `quota_rule` sizes in powers of 1024:
//! `K`, `M`, `G`, `T` and `KiB`, `MiB`, `GiB`, `TiB` are binary; `KB`, `MB`,
//! `GB`, `TB` are decimal, for those who mean them.

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Size(u64);

/// The largest size accepted: SQL stores sizes as signed 64-bit integers.
pub const MAX_BYTES: u64 = i64::MAX as u64;

impl Size {
    pub const UNLIMITED: Size = Size(0);

    pub fn from_bytes(bytes: u64) -> Result<Self> {
        if bytes > MAX_BYTES {
            return Err(Error::invalid(format!("size {bytes}"), "is too large"));
        }
        Ok(Size(bytes))
    }

    pub fn parse(input: &str) -> Result<Self> {
        let what = || format!("size {input:?}");
        let hint = "write bytes or a number with a unit, e.g. 500M, 2G, 1GiB; 0 means unlimited";
        let s = input.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, unit) = s.split_at(split);
        if digits.is_empty() && s.starts_with('-') {
            return Err(Error::invalid(what(), "is negative").with_hint(hint));
        }
        if digits.is_empty() {
            return Err(Error::invalid(what(), "does not start with a number").with_hint(hint));
        }
        let number: u64 = digits
            .parse()
            .map_err(|_| Error::invalid(what(), "is too large").with_hint(hint))?;
        let unit = unit.trim();
        let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kib" => 1 << 10,
            "m" | "mib" => 1 << 20,
            "g" | "gib" => 1 << 30,
            "t" | "tib" => 1 << 40,
            "kb" => 1_000,
            "mb" => 1_000_000,
            "gb" => 1_000_000_000,
            "tb" => 1_000_000_000_000,
            _ => {
                return Err(
                    Error::invalid(what(), format!("has an unknown unit {unit:?}")).with_hint(hint),
                );
            }
        };
        let bytes = number
            .checked_mul(multiplier)
            .filter(|b| *b <= MAX_BYTES)
            .ok_or_else(|| Error::invalid(what(), "is too large"))?;
        Ok(Size(bytes))
    }

    pub fn bytes(self) -> u64 {
        self.0
    }
    pub fn is_unlimited(self) -> bool {
        self.0 == 0
    }
    /// Signed form, as SQL stores it (always fits: see [`MAX_BYTES`]).
    pub fn as_i64(self) -> i64 {
        self.0 as i64
    }
    /// Reads a stored value; negative numbers (corrupt rows) read as unlimited.
    pub fn from_stored(v: i64) -> Self {
        Size(v.max(0) as u64)
    }

    /// People's form: `unlimited`, or the largest binary unit that divides
    /// the value exactly (`500M`, `2G`), else bytes.
    pub fn human(self) -> String {
        if self.0 == 0 {
            return "unlimited".into();
        }
        for (shift, unit) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] {
            if self.0.is_multiple_of(1u64 << shift) {
                return format!("{}{unit}", self.0 >> shift);
            }
        }
        self.0.to_string()
    }
}

impl Size {
    /// A short reading for people, rounded: `6.02G`, `512M`, `0` (not
    /// "unlimited": this is an amount, not a limit).
    pub fn approx(self) -> String {
        for (shift, unit) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] {
            let scale = (1u64 << shift) as f64;
            if self.0 >= 1u64 << shift {
                let v = self.0 as f64 / scale;
                return if self.0.is_multiple_of(1u64 << shift) {
                    format!("{}{unit}", self.0 >> shift)
                } else if v >= 100.0 {
                    format!("{v:.0}{unit}")
                } else {
                    format!("{v:.2}{unit}")
                };
            }
        }
        self.0.to_string()
    }
}

impl fmt::Display for Size {
    /// Writes the exact form [`Size::parse`] reads back (`0` when unlimited).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            f.write_str("0")
        } else {
            f.write_str(&self.human())
        }
    }
}

impl fmt::Debug for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Size({})", self.0)
    }
}

impl FromStr for Size {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl Serialize for Size {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Size {
    /// Accepts a byte count or a string such as `"2G"`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bytes(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bytes(b) => Size::from_bytes(b),
            Raw::Text(t) => Size::parse(&t),
        }
        .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(Size::parse("500M").unwrap().bytes(), 500 << 20);
        assert_eq!(Size::parse("2G").unwrap().bytes(), 2 << 30);
        assert_eq!(Size::parse("1GiB").unwrap().bytes(), 1 << 30);
        assert_eq!(Size::parse("1GB").unwrap().bytes(), 1_000_000_000);
        assert_eq!(Size::parse("1234").unwrap().bytes(), 1234);
        assert!(Size::parse("0").unwrap().is_unlimited());
        assert_eq!(Size::parse("2G").unwrap().to_string(), "2G");
        assert_eq!(Size::parse("1234").unwrap().to_string(), "1234");
    }

    #[test]
    fn approximations() {
        assert_eq!(Size::from_stored(6_467_616_768).approx(), "6.02G");
        assert_eq!(Size::parse("512M").unwrap().approx(), "512M");
        assert_eq!(Size::from_stored(0).approx(), "0");
        assert_eq!(Size::from_stored(1000).approx(), "1000");
        assert_eq!(Size::from_stored(150 << 20 | 1).approx(), "150M");
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "M",
            "12Q",
            "-5",
            "1.5G",
            "99999999999999999999",
            "9999999999T",
        ] {
            let e = Size::parse(bad).unwrap_err();
            assert!(e.what.contains(&format!("{bad:?}")), "{bad}: {e}");
        }
    }
}
