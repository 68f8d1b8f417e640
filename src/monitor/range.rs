//! The monitoring-plugins threshold syntax (`-w`/`-c`), as the plugin
//! development guidelines define it:
//!
//! | range     | alert when the value is   |
//! |-----------|---------------------------|
//! | `10`      | < 0 or > 10               |
//! | `10:`     | < 10                      |
//! | `~:10`    | > 10                      |
//! | `10:20`   | < 10 or > 20              |
//! | `@10:20`  | ≥ 10 and ≤ 20             |
//!
//! For ages, each bound may carry a unit: `s`, `m`, `h`, `d` (`26h`,
//! `6d`); values are kept in seconds, the perfdata's unit.

use std::fmt;

/// What the numbers of a range measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Plain numbers (counts, percentages).
    Number,
    /// Durations: a number of seconds, or with `s`, `m`, `h` or `d`.
    Seconds,
}

/// A parsed threshold range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// None: no lower bound (`~`).
    start: Option<f64>,
    /// None: no upper bound (`10:`).
    end: Option<f64>,
    /// `@`: alert inside the range instead of outside.
    inside: bool,
}

impl Range {
    /// `max` (that is `0:max`): alert above `max` — or below 0, which
    /// counts, ages and percentages never are.
    pub fn above(max: f64) -> Range {
        Range {
            start: Some(0.0),
            end: Some(max),
            inside: false,
        }
    }

    /// `min:`: alert below `min`.
    pub fn below(min: f64) -> Range {
        Range {
            start: Some(min),
            end: None,
            inside: false,
        }
    }

    /// Parses `text` (see the module docs); the error says what is wrong
    /// and shows the forms.
    pub fn parse(text: &str, unit: Unit) -> Result<Range, String> {
        let shape = || {
            let ages = if unit == Unit::Seconds {
                " (ages take s, m, h or d: 26h)"
            } else {
                ""
            };
            format!("{text:?} is not a range like 10, 10:, ~:10, 10:20 or @10:20{ages}")
        };
        let trimmed = text.trim();
        let (inside, body) = match trimmed.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        if body.is_empty() {
            return Err(shape());
        }
        let (start, end) = match body.split_once(':') {
            Some((start, end)) => {
                let start = match start {
                    "~" => None,
                    "" => Some(0.0),
                    s => Some(number(s, unit).ok_or_else(shape)?),
                };
                let end = match end {
                    "" => None,
                    e => Some(number(e, unit).ok_or_else(shape)?),
                };
                (start, end)
            }
            None => (Some(0.0), Some(number(body, unit).ok_or_else(shape)?)),
        };
        if let (Some(s), Some(e)) = (start, end)
            && s > e
        {
            return Err(format!(
                "{text:?} starts above its end (write the smaller bound first: 10:20)"
            ));
        }
        Ok(Range { start, end, inside })
    }

    /// Does `value` call for an alert?
    pub fn alerts(&self, value: f64) -> bool {
        let within = self.start.is_none_or(|s| value >= s) && self.end.is_none_or(|e| value <= e);
        within == self.inside
    }
}

/// A bound: a number, or for ages a number with a unit.
fn number(text: &str, unit: Unit) -> Option<f64> {
    let (digits, factor) = match unit {
        Unit::Number => (text, 1.0),
        Unit::Seconds => match text.char_indices().last()? {
            (i, 's') => (&text[..i], 1.0),
            (i, 'm') => (&text[..i], 60.0),
            (i, 'h') => (&text[..i], 3600.0),
            (i, 'd') => (&text[..i], 86_400.0),
            _ => (text, 1.0),
        },
    };
    // Only plain decimals: "inf", "NaN" or "1e3" are not thresholds people write.
    let plain = !digits.is_empty()
        && digits
            .trim_start_matches(['-', '+'])
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.');
    let value: f64 = digits.parse().ok().filter(|_| plain)?;
    value.is_finite().then_some(value * factor)
}

/// The range in base units, as perfdata carries it (`26h` is `93600`).
impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.inside {
            f.write_str("@")?;
        }
        match (self.start, self.end) {
            (Some(s), Some(e)) if s == 0.0 && !self.inside => write!(f, "{}", Num(e)),
            (Some(s), Some(e)) => write!(f, "{}:{}", Num(s), Num(e)),
            (Some(s), None) => write!(f, "{}:", Num(s)),
            (None, Some(e)) => write!(f, "~:{}", Num(e)),
            (None, None) => write!(f, "~:"),
        }
    }
}

/// A number as perfdata writes it: no exponent, no trailing `.0`.
pub struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v.fract() == 0.0 && v.abs() < 1e15 {
            write!(f, "{}", v as i64)
        } else {
            let text = format!("{v:.3}");
            f.write_str(text.trim_end_matches('0').trim_end_matches('.'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Range {
        Range::parse(text, Unit::Seconds).unwrap()
    }

    #[test]
    fn guideline_examples() {
        // 10: alert outside 0..10
        assert!(r("10").alerts(-1.0) && r("10").alerts(11.0));
        assert!(!r("10").alerts(0.0) && !r("10").alerts(10.0));
        // 10: alert below 10
        assert!(r("10:").alerts(9.9) && !r("10:").alerts(10.0) && !r("10:").alerts(1e9));
        // ~:10 alert above 10
        assert!(r("~:10").alerts(10.5) && !r("~:10").alerts(-1e9));
        // 10:20 alert outside
        assert!(r("10:20").alerts(9.0) && r("10:20").alerts(21.0) && !r("10:20").alerts(15.0));
        // @10:20 alert inside, bounds included
        assert!(r("@10:20").alerts(10.0) && r("@10:20").alerts(20.0));
        assert!(!r("@10:20").alerts(9.0) && !r("@10:20").alerts(21.0));
    }

    #[test]
    fn ages_take_units_and_print_in_seconds() {
        assert_eq!(r("26h").to_string(), "93600");
        assert_eq!(r("~:6d").to_string(), "~:518400");
        assert_eq!(r("@1m:2m").to_string(), "@60:120");
        assert_eq!(r("90s:").to_string(), "90:");
        assert_eq!(r("1.5h").to_string(), "5400");
        assert!(Range::parse("26h", Unit::Number).is_err());
    }

    #[test]
    fn bad_ranges_say_so() {
        for bad in ["", "@", "abc", "10:5", "1e3", "inf", "10x", "1:2:3", "h"] {
            let e = Range::parse(bad, Unit::Seconds).unwrap_err();
            assert!(e.contains(&format!("{bad:?}")), "{bad:?}: {e}");
        }
    }
}
