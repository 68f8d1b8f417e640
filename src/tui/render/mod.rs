//! `render(frame, &State)`: a pure function of the state. It draws the
//! header, breadcrumbs, the current view, the bottom bar and any dialog;
//! below the minimum size it draws only a "terminal too small" notice.

mod chrome;
mod detail;
mod dialogs;
mod import;
mod restore;
mod tables;

use super::state::{MIN_HEIGHT, MIN_WIDTH, Overlay, State, View};
use crate::i18n::Msg;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub use tables::{Column, fit_columns, row_count, row_text};

pub fn render(frame: &mut Frame, state: &State) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return too_small(frame, state, area);
    }
    let tab_line = u16::from(matches!(state.view(), View::Domain { .. }));
    let [header, crumbs, title, body, bar] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(tab_line),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::header(frame, state, header);
    chrome::breadcrumbs(frame, state, crumbs);
    chrome::title(frame, state, title);
    let detail = state.detail_lines();
    if detail > 0 {
        let [list, below] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(detail)]).areas(body);
        tables::list(frame, state, list);
        detail::detail(frame, state, below);
    } else {
        tables::list(frame, state, body);
    }
    chrome::bottom(frame, state, bar);
    match &state.overlay {
        None => {}
        Some(Overlay::Help) => dialogs::help(frame, state, area),
        Some(Overlay::Form(form)) => dialogs::form(frame, state, form, area),
        Some(Overlay::Confirm(c)) => dialogs::confirm(frame, state, c, area),
        Some(Overlay::Typed(t)) => dialogs::typed(frame, state, t, area),
        Some(Overlay::Conflict(c)) => dialogs::conflict(frame, state, c, area),
        Some(Overlay::Error(e)) => dialogs::error(frame, state, e, area),
        Some(Overlay::Password { subject, password }) => {
            dialogs::password(frame, state, subject, password.expose(), area)
        }
        Some(Overlay::Import(view)) => import::import(frame, state, view, area),
        Some(Overlay::Restore(view)) => restore::restore(frame, state, view, area),
    }
}

fn too_small(frame: &mut Frame, state: &State, area: Rect) {
    let detail = state.lang.fmt(
        Msg::TooSmallDetail,
        &[
            state.t(Msg::AppName),
            &format!("{MIN_WIDTH}x{MIN_HEIGHT}"),
            &format!("{}x{}", area.width, area.height),
        ],
    );
    let text = Paragraph::new(vec![
        Line::styled(state.t(Msg::TooSmall), state.theme.error()),
        Line::raw(detail),
    ])
    .wrap(Wrap { trim: true })
    .centered();
    let middle = area.centered_vertically(Constraint::Length(3));
    frame.render_widget(text, middle);
}
