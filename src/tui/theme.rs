//! Colours and glyphs. Colour is never the only carrier of meaning: the
//! selected row also gets a marker and reverse video, a status also has a
//! word. With colour off (`--color never`, `NO_COLOR`, `TERM=dumb`) only
//! modifiers remain; on a dumb terminal glyphs fall back to ASCII.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

/// The `--color` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    #[default]
    Auto,
    Always,
    Never,
}

/// How the TUI draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub ascii: bool,
}

/// A status whose colour carries meaning (beside its word).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Good,
    Warn,
    Bad,
    Unknown,
}

const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    /// Resolves `--color` against the environment: `always`/`never` win;
    /// `auto` is off when `NO_COLOR` is set (to anything) or `TERM=dumb`.
    pub fn from_env(mode: ColorMode) -> Theme {
        let term = std::env::var("TERM").unwrap_or_default();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme::resolve(mode, no_color, &term)
    }

    pub fn resolve(mode: ColorMode, no_color: bool, term: &str) -> Theme {
        let dumb = term == "dumb";
        let color = match mode {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => !no_color && !dumb,
        };
        Theme { color, ascii: dumb }
    }

    pub const PLAIN: Theme = Theme {
        color: false,
        ascii: false,
    };
    pub const COLOR: Theme = Theme {
        color: true,
        ascii: false,
    };

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// The selected row: reverse video always, bold, and a colour when allowed.
    pub fn selected(self) -> Style {
        let s = Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        if self.color { s.fg(Color::Cyan) } else { s }
    }

    /// Marker drawn before the selected row.
    pub fn marker(self) -> &'static str {
        if self.ascii { "> " } else { "▶ " }
    }

    pub fn status(self, status: Status) -> Style {
        match status {
            Status::Good => self.fg(Color::Green),
            Status::Warn => self.fg(Color::Yellow),
            Status::Bad => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Status::Unknown => self.fg(Color::DarkGray),
        }
    }

    pub fn header(self) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if self.color {
            s.fg(Color::Black).bg(Color::Blue)
        } else {
            s.add_modifier(Modifier::REVERSED)
        }
    }

    pub fn column_title(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn badge(self) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if self.color {
            s.fg(Color::White).bg(Color::Red)
        } else {
            s
        }
    }

    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn error(self) -> Style {
        self.status(Status::Bad)
    }

    pub fn focused_field(self) -> Style {
        let s = Style::new().add_modifier(Modifier::UNDERLINED);
        if self.color { s.fg(Color::Cyan) } else { s }
    }

    /// A focused dialog button: reverse video, coloured when allowed.
    pub fn focused_button(self) -> Style {
        self.selected()
    }

    pub fn border(self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::ROUNDED
        }
    }

    pub fn spinner(self, tick: u64) -> &'static str {
        const UNICODE: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];
        const ASCII: [&str; 4] = ["|", "/", "-", "\\"];
        if self.ascii {
            ASCII[(tick % 4) as usize]
        } else {
            UNICODE[(tick % 8) as usize]
        }
    }

    pub fn mask_char(self) -> char {
        if self.ascii { '*' } else { '•' }
    }

    /// Between header fields.
    pub fn bar(self) -> &'static str {
        if self.ascii { " | " } else { " │ " }
    }

    /// Marks a field that fails validation.
    pub fn cross(self) -> &'static str {
        if self.ascii { "x" } else { "✗" }
    }

    pub fn separator(self) -> &'static str {
        if self.ascii { " > " } else { " › " }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_choice_and_environment() {
        assert!(Theme::resolve(ColorMode::Auto, false, "xterm-256color").color);
        assert!(!Theme::resolve(ColorMode::Auto, true, "xterm").color);
        assert!(!Theme::resolve(ColorMode::Auto, false, "dumb").color);
        assert!(Theme::resolve(ColorMode::Auto, false, "dumb").ascii);
        assert!(Theme::resolve(ColorMode::Always, true, "xterm").color);
        assert!(!Theme::resolve(ColorMode::Never, false, "xterm").color);
    }
}
