//! The words of the self-check. Checks return a [`Text`]: a message of the
//! shared catalogue ([`crate::i18n`], English and French) with its values,
//! so that the report is worded in the reader's language when rendered.

pub use crate::i18n::Text;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Msg};

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
