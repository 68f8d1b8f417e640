//! The words of the self-check. Checks return a [`Text`]: a message of the
//! shared catalogue ([`crate::i18n`], English and French) with its values,
//! so that the report is worded in the reader's language when rendered.

use crate::i18n::{Lang, Msg};

/// A catalogue message and the values of its `{}` placeholders, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub msg: Msg,
    pub args: Vec<String>,
}

impl Text {
    pub fn new(msg: Msg) -> Text {
        Text {
            msg,
            args: Vec::new(),
        }
    }

    /// Adds the next placeholder's value.
    pub fn arg(mut self, value: impl ToString) -> Text {
        self.args.push(value.to_string());
        self
    }

    pub fn render(&self, lang: Lang) -> String {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        lang.fmt(self.msg, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_by_language() {
        let t = Text::new(Msg::DnsMxPresentOk)
            .arg("example.org")
            .arg("mx1.example.net");
        assert_eq!(
            t.render(Lang::En),
            "example.org receives mail at mx1.example.net."
        );
        assert_eq!(
            t.render(Lang::Fr),
            "example.org reçoit le courrier via mx1.example.net."
        );
    }
}
