//! Add/edit forms: their fields, inline validation and the [`Job`] a valid
//! form becomes. Every value is checked by the model's own parsers
//! (`DomainName`, `Address`, `AliasAddress`, `Size`, `Password`) — the same
//! code path the CLI takes — and applied through the ops layer; what a
//! field says is wrong comes from the catalogue, in the user's language.
//!
//! An edit form keeps the object it was opened on: its job carries that
//! object's version and only the fields the user changed, so a change
//! made meanwhile by someone else is a conflict, never overwritten.

use super::action::Job;
use super::state::{MailboxRow, Subject};
use crate::error::Error;
use crate::i18n::{Lang, Msg};
use crate::model::*;
use crate::ops::{MailboxRequest, PasswordInput};
use crate::password::Password;
use tui_input::{Input, InputRequest};

/// What a form is for; an edit holds the object as it was read.
#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    AddDomain,
    EditDomain(Box<Domain>),
    AddAliasDomain,
    EditAliasDomain(AliasDomain),
    AddMailbox,
    EditMailbox(MailboxRow),
    Password(MailboxRow),
    AddAlias,
    EditAlias(Alias),
}

/// What submitting a form came to.
#[derive(Debug, Clone)]
pub enum Submitted {
    /// A field is wrong; it has the focus and says why.
    Invalid,
    /// An edit that changes nothing: there is nothing to send.
    Unchanged,
    Job(Job),
}

/// How a field's text is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Domain,
    Text,
    Count,
    Size,
    /// Empty means "not given".
    OptionalSize,
    Address,
    AliasAddress,
    Targets,
    Password,
    /// Must equal the field at this index (password typed twice).
    SameAs(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text,
    /// Masked on screen.
    Secret,
    /// One of several options, changed with Space or arrows.
    Choice(Vec<Msg>, usize),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: Msg,
    pub kind: FieldKind,
    pub input: Input,
    pub check: Check,
    pub error: Option<String>,
    /// Shown only while the choice field at `.0` has option `.1`.
    pub shown_when: Option<(usize, usize)>,
}

impl Field {
    fn text(label: Msg, check: Check, value: &str) -> Field {
        Field {
            label,
            kind: FieldKind::Text,
            input: Input::new(value.to_string()),
            check,
            error: None,
            shown_when: None,
        }
    }
    fn secret(label: Msg, check: Check, shown_when: (usize, usize)) -> Field {
        Field {
            kind: FieldKind::Secret,
            shown_when: Some(shown_when),
            ..Field::text(label, check, "")
        }
    }
    fn choice(label: Msg, options: Vec<Msg>) -> Field {
        Field {
            kind: FieldKind::Choice(options, 0),
            ..Field::text(label, Check::Text, "")
        }
    }
    /// Puts the cursor at the start (for prefilled `@domain` addresses).
    fn cursor_at_start(mut self) -> Field {
        self.input.handle(InputRequest::GoToStart);
        self
    }
    pub fn value(&self) -> &str {
        self.input.value()
    }
    /// The field's value, or its chosen option, as text to compare.
    fn state(&self) -> String {
        match &self.kind {
            FieldKind::Choice(_, n) => format!("#{n}"),
            _ => self.value().trim().to_string(),
        }
    }
}

/// An open form.
#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Set while the form's job runs; the form closes when it succeeds.
    pub pending: bool,
    /// Why the directory refused the last submission.
    pub error: Option<String>,
    /// Each field as the form opened (see [`Field::state`]): what the user
    /// changed is what differs.
    pub initial: Vec<String>,
}

const GENERATE: usize = 0;
const TYPE_IT: usize = 1;

fn size_text(s: Size) -> String {
    s.to_string()
}

impl Form {
    pub fn add_domain() -> Form {
        Form::new(
            FormKind::AddDomain,
            vec![
                Field::text(Msg::FieldDomain, Check::Domain, ""),
                Field::text(Msg::FieldDescription, Check::Text, ""),
                Field::text(Msg::FieldMaxMailboxes, Check::Count, "0"),
                Field::text(Msg::FieldMaxAliases, Check::Count, "0"),
                Field::text(Msg::FieldQuota, Check::Size, "0"),
                Field::text(Msg::FieldDefaultQuota, Check::Size, "0"),
            ],
        )
    }

    pub fn edit_domain(d: &Domain) -> Form {
        Form::new(
            FormKind::EditDomain(Box::new(d.clone())),
            vec![
                Field::text(Msg::FieldDescription, Check::Text, &d.description),
                Field::text(
                    Msg::FieldMaxMailboxes,
                    Check::Count,
                    &d.max_mailboxes.to_string(),
                ),
                Field::text(
                    Msg::FieldMaxAliases,
                    Check::Count,
                    &d.max_aliases.to_string(),
                ),
                Field::text(Msg::FieldQuota, Check::Size, &size_text(d.quota)),
                Field::text(
                    Msg::FieldDefaultQuota,
                    Check::Size,
                    &size_text(d.default_quota),
                ),
            ],
        )
    }

    pub fn add_alias_domain(target: Option<&DomainName>) -> Form {
        let target = target.map(|d| d.to_unicode()).unwrap_or_default();
        Form::new(
            FormKind::AddAliasDomain,
            vec![
                Field::text(Msg::FieldAliasDomain, Check::Domain, ""),
                Field::text(Msg::FieldTargetDomain, Check::Domain, &target),
            ],
        )
    }

    /// Re-points an alias domain at another hosted domain.
    pub fn edit_alias_domain(a: &AliasDomain) -> Form {
        Form::new(
            FormKind::EditAliasDomain(a.clone()),
            vec![Field::text(
                Msg::FieldTargetDomain,
                Check::Domain,
                &a.target.to_unicode(),
            )],
        )
    }

    /// In a domain, the address comes prefilled with `@domain` and the
    /// cursor before it: type the local part, and that is the address.
    pub fn add_mailbox(domain: Option<&DomainName>) -> Form {
        let at = domain
            .map(|d| format!("@{}", d.to_unicode()))
            .unwrap_or_default();
        Form::new(
            FormKind::AddMailbox,
            vec![
                Field::text(Msg::FieldAddress, Check::Address, &at).cursor_at_start(),
                Field::text(Msg::FieldName, Check::Text, ""),
                Field::text(Msg::FieldMailboxQuota, Check::OptionalSize, ""),
                Field::choice(
                    Msg::FieldPasswordChoice,
                    vec![Msg::ChoiceGenerate, Msg::ChoiceType],
                ),
                Field::secret(Msg::FieldPassword, Check::Password, (3, TYPE_IT)),
                Field::secret(Msg::FieldPasswordAgain, Check::SameAs(4), (3, TYPE_IT)),
            ],
        )
    }

    pub fn edit_mailbox(m: &MailboxRow) -> Form {
        Form::new(
            FormKind::EditMailbox(m.clone()),
            vec![
                Field::text(Msg::FieldName, Check::Text, &m.name),
                Field::text(Msg::FieldQuota, Check::Size, &size_text(m.quota)),
            ],
        )
    }

    pub fn password(m: &MailboxRow) -> Form {
        Form::new(
            FormKind::Password(m.clone()),
            vec![
                Field::choice(
                    Msg::FieldPasswordChoice,
                    vec![Msg::ChoiceGenerate, Msg::ChoiceType],
                ),
                Field::secret(Msg::FieldPassword, Check::Password, (0, TYPE_IT)),
                Field::secret(Msg::FieldPasswordAgain, Check::SameAs(1), (0, TYPE_IT)),
            ],
        )
    }

    pub fn add_alias(domain: Option<&DomainName>) -> Form {
        let at = domain
            .map(|d| format!("@{}", d.to_unicode()))
            .unwrap_or_default();
        Form::new(
            FormKind::AddAlias,
            vec![
                Field::text(Msg::FieldAliasAddress, Check::AliasAddress, &at).cursor_at_start(),
                Field::text(Msg::FieldTargets, Check::Targets, ""),
            ],
        )
    }

    pub fn edit_alias(a: &Alias) -> Form {
        let targets: Vec<String> = a.targets.iter().map(|t| t.to_unicode()).collect();
        Form::new(
            FormKind::EditAlias(a.clone()),
            vec![Field::text(
                Msg::FieldTargets,
                Check::Targets,
                &targets.join(", "),
            )],
        )
    }

    fn new(kind: FormKind, fields: Vec<Field>) -> Form {
        let initial = fields.iter().map(Field::state).collect();
        Form {
            kind,
            fields,
            focus: 0,
            pending: false,
            error: None,
            initial,
        }
    }

    /// Did the user change field `i`?
    fn changed(&self, i: usize) -> bool {
        self.fields[i].state() != self.initial[i]
    }

    /// The same form on `fresh`, the object as it is now (after a
    /// conflict): the user's changes are kept on the fields that nobody
    /// else changed; a field both changed shows the current value.
    pub fn reopen(&self, fresh: &Subject) -> Option<Form> {
        let mut form = match (&self.kind, fresh) {
            (FormKind::EditDomain(_), Subject::Domain(d)) => Form::edit_domain(d),
            (FormKind::EditAliasDomain(_), Subject::AliasDomain(a)) => Form::edit_alias_domain(a),
            (FormKind::EditMailbox(_), Subject::Mailbox(m)) => Form::edit_mailbox(m),
            (FormKind::Password(_), Subject::Mailbox(m)) => Form::password(m),
            (FormKind::EditAlias(_), Subject::Alias(a)) => Form::edit_alias(a),
            _ => return None,
        };
        for i in 0..form.fields.len() {
            let theirs = form.initial[i] != self.initial[i];
            if self.changed(i) && !theirs {
                form.fields[i] = Field {
                    error: None,
                    ..self.fields[i].clone()
                };
            }
        }
        form.focus = self.focus;
        Some(form)
    }

    /// The title, in `lang`.
    pub fn title(&self, lang: Lang) -> String {
        match &self.kind {
            FormKind::AddDomain => lang.t(Msg::FormAddDomain).into(),
            FormKind::EditDomain(d) => lang.fmt(Msg::FormEditDomain, &[&d.name.to_unicode()]),
            FormKind::AddAliasDomain => lang.t(Msg::FormAddAliasDomain).into(),
            FormKind::EditAliasDomain(a) => {
                lang.fmt(Msg::FormEditAliasDomain, &[&a.name.to_unicode()])
            }
            FormKind::AddMailbox => lang.t(Msg::FormAddMailbox).into(),
            FormKind::EditMailbox(m) => lang.fmt(Msg::FormEditMailbox, &[&m.address.to_unicode()]),
            FormKind::Password(m) => lang.fmt(Msg::FormPassword, &[&m.address.to_unicode()]),
            FormKind::AddAlias => lang.t(Msg::FormAddAlias).into(),
            FormKind::EditAlias(a) => {
                lang.fmt(Msg::FormEditAlias, &[&super::text::alias(&a.address)])
            }
        }
    }

    pub fn is_shown(&self, i: usize) -> bool {
        match self.fields[i].shown_when {
            None => true,
            Some((choice, option)) => {
                matches!(self.fields[choice].kind, FieldKind::Choice(_, o) if o == option)
            }
        }
    }

    /// Indices of the fields on screen, in order.
    pub fn shown(&self) -> Vec<usize> {
        (0..self.fields.len())
            .filter(|&i| self.is_shown(i))
            .collect()
    }

    pub fn focus_next(&mut self, forward: bool) {
        let shown = self.shown();
        let pos = shown.iter().position(|&i| i == self.focus).unwrap_or(0);
        let next = if forward {
            (pos + 1) % shown.len()
        } else {
            (pos + shown.len() - 1) % shown.len()
        };
        self.focus = shown[next];
    }

    pub fn is_last_focused(&self) -> bool {
        self.shown().last() == Some(&self.focus)
    }

    /// Changes the focused choice field's option.
    pub fn toggle(&mut self, forward: bool) {
        if let FieldKind::Choice(options, index) = &mut self.fields[self.focus].kind {
            let n = options.len();
            *index = if forward {
                (*index + 1) % n
            } else {
                (*index + n - 1) % n
            };
        }
    }

    /// Passes a text editing request to the focused field and re-checks it.
    pub fn edit(&mut self, req: InputRequest, lang: Lang) {
        let field = &mut self.fields[self.focus];
        if matches!(field.kind, FieldKind::Choice(..)) {
            return;
        }
        field.input.handle(req);
        self.check_field(self.focus, lang, false);
        // A confirmation field depends on the one it repeats.
        for i in 0..self.fields.len() {
            if self.fields[i].check == Check::SameAs(self.focus)
                && !self.fields[i].value().is_empty()
            {
                self.check_field(i, lang, false);
            }
        }
    }

    /// Checks field `i`; an empty field is only an error when `submitting`.
    fn check_field(&mut self, i: usize, lang: Lang, submitting: bool) -> bool {
        let value = self.fields[i].value();
        let result = if value.trim().is_empty() && !submitting {
            Ok(())
        } else {
            self.check(i, value, lang)
        };
        let ok = result.is_ok();
        self.fields[i].error = result.err();
        ok
    }

    /// Whether `value` fits field `i`, as the model's parsers judge it;
    /// what is wrong, from the catalogue.
    fn check(&self, i: usize, value: &str, lang: Lang) -> Result<(), String> {
        let v = value.trim();
        match self.fields[i].check {
            Check::Text => Ok(()),
            Check::Domain => DomainName::parse(v)
                .map(drop)
                .map_err(|_| domain_problem(v, lang)),
            Check::Count => parse_count(value, lang).map(drop),
            Check::Size => Size::parse(value).map(drop).map_err(|_| size_problem(lang)),
            Check::OptionalSize => parse_optional_size(value)
                .map(drop)
                .map_err(|_| size_problem(lang)),
            Check::Address => Address::parse(v)
                .map(drop)
                .map_err(|_| address_problem(v, lang)),
            Check::AliasAddress => {
                AliasAddress::parse(v)
                    .map(drop)
                    .map_err(|_| match v.strip_prefix('@') {
                        Some(domain) => domain_problem(domain, lang),
                        None => address_problem(v, lang),
                    })
            }
            Check::Targets => parse_targets(value)
                .map(drop)
                .map_err(|_| targets_problem(value, lang)),
            Check::Password => Password::new(value.to_string())
                .map(drop)
                .map_err(|_| password_problem(value, lang)),
            Check::SameAs(other) => {
                if self.fields[other].value() == value {
                    Ok(())
                } else {
                    Err(lang.t(Msg::PasswordsDiffer).into())
                }
            }
        }
    }

    /// Checks every shown field; on success, the job that applies the form.
    /// On failure the first bad field gets the focus.
    pub fn submit(&mut self, lang: Lang) -> Submitted {
        let mut first_bad = None;
        for i in self.shown() {
            let optional = matches!(self.fields[i].check, Check::Text | Check::OptionalSize);
            let ok = self.check_field(i, lang, !optional);
            if !ok && first_bad.is_none() {
                first_bad = Some(i);
            }
        }
        if let Some(i) = first_bad {
            self.focus = i;
            return Submitted::Invalid;
        }
        match self.build() {
            Ok(Some(job)) => Submitted::Job(job),
            Ok(None) => Submitted::Unchanged,
            Err((i, _)) => {
                let value = self.fields[i].value().to_string();
                let why = self.check(i, &value, lang).err();
                self.fields[i].error = Some(why.unwrap_or_else(|| lang.t(Msg::ErrRequired).into()));
                self.focus = i;
                Submitted::Invalid
            }
        }
    }

    /// The job the form asks for; none for an edit that changes nothing.
    fn build(&self) -> Result<Option<Job>, (usize, Error)> {
        let v = |i: usize| self.fields[i].value().trim();
        let count = |i: usize| {
            at(
                i,
                parse_count(v(i), Lang::En).map_err(|e| Error::invalid("", e)),
            )
        };
        // An edit sends only what the user changed.
        let changed = |i: usize| self.changed(i);
        Ok(Some(match &self.kind {
            FormKind::AddDomain => Job::AddDomain(
                at(0, DomainName::parse(v(0)))?,
                DomainSettings {
                    description: v(1).to_string(),
                    max_mailboxes: count(2)?,
                    max_aliases: count(3)?,
                    quota: at(4, Size::parse(v(4)))?,
                    default_quota: at(5, Size::parse(v(5)))?,
                },
            ),
            FormKind::EditDomain(domain) => {
                let patch = DomainPatch {
                    description: changed(0).then(|| v(0).to_string()),
                    active: None,
                    max_mailboxes: changed(1).then(|| count(1)).transpose()?,
                    max_aliases: changed(2).then(|| count(2)).transpose()?,
                    quota: changed(3).then(|| at(3, Size::parse(v(3)))).transpose()?,
                    default_quota: changed(4).then(|| at(4, Size::parse(v(4)))).transpose()?,
                };
                if patch.is_empty() {
                    return Ok(None);
                }
                Job::EditDomain(domain.clone(), patch)
            }
            FormKind::AddAliasDomain => Job::AddAliasDomain(
                at(0, DomainName::parse(v(0)))?,
                at(1, DomainName::parse(v(1)))?,
            ),
            FormKind::EditAliasDomain(alias) => {
                let target = at(0, DomainName::parse(v(0)))?;
                if target == alias.target {
                    return Ok(None);
                }
                let patch = AliasDomainPatch {
                    target: Some(target),
                    active: None,
                };
                Job::EditAliasDomain(alias.clone(), patch)
            }
            FormKind::AddMailbox => Job::AddMailbox(MailboxRequest {
                address: at(0, Address::parse(v(0)))?,
                name: v(1).to_string(),
                quota: at(2, parse_optional_size(v(2)))?,
                password: self.password_input(3, 4)?,
            }),
            FormKind::EditMailbox(mailbox) => {
                let patch = MailboxPatch {
                    name: changed(0).then(|| v(0).to_string()),
                    quota: changed(1).then(|| at(1, Size::parse(v(1)))).transpose()?,
                    ..Default::default()
                };
                if patch.is_empty() {
                    return Ok(None);
                }
                Job::EditMailbox(mailbox.clone(), patch)
            }
            FormKind::Password(mailbox) => {
                Job::SetPassword(mailbox.clone(), self.password_input(0, 1)?)
            }
            FormKind::AddAlias => Job::AddAlias(
                at(0, AliasAddress::parse(v(0)))?,
                at(1, parse_targets(v(1)))?,
            ),
            FormKind::EditAlias(alias) => {
                let before = &alias.targets;
                let after = at(0, parse_targets(v(0)))?;
                let patch = AliasPatch {
                    add_targets: after
                        .iter()
                        .filter(|t| !before.contains(t))
                        .cloned()
                        .collect(),
                    remove_targets: before
                        .iter()
                        .filter(|t| !after.contains(t))
                        .cloned()
                        .collect(),
                    active: None,
                };
                if patch == AliasPatch::default() {
                    return Ok(None);
                }
                Job::EditAlias(alias.clone(), patch)
            }
        }))
    }

    fn password_input(&self, choice: usize, plain: usize) -> Result<PasswordInput, (usize, Error)> {
        match self.fields[choice].kind {
            FieldKind::Choice(_, GENERATE) => Ok(PasswordInput::Generate),
            _ => Password::new(self.fields[plain].value().to_string())
                .map(PasswordInput::Plain)
                .map_err(|e| (plain, e)),
        }
    }
}

/// Tags a parse error with the index of the field it came from.
fn at<T>(i: usize, r: Result<T, Error>) -> Result<T, (usize, Error)> {
    r.map_err(|e| (i, e))
}

fn parse_count(value: &str, lang: Lang) -> Result<u64, String> {
    value
        .trim()
        .parse::<u64>()
        .map_err(|_| lang.fmt(Msg::NotANumber, &[&format!("{:?}", value.trim())]))
}

fn parse_optional_size(value: &str) -> Result<Option<Size>, Error> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        Size::parse(value).map(Some)
    }
}

/// Targets separated by commas or spaces.
fn parse_targets(value: &str) -> Result<Vec<Address>, Error> {
    let targets: Vec<Address> = value
        .split([',', ' '])
        .filter(|t| !t.trim().is_empty())
        .map(|t| Address::parse(t.trim()))
        .collect::<Result<_, _>>()?;
    if targets.is_empty() {
        return Err(Error::invalid("targets", "none given")
            .with_hint("give at least one address, e.g. someone@example.org"));
    }
    Ok(targets)
}

// What is wrong with a value the model refused, said from the catalogue.
// The model's parser decides whether a value is valid; these only say why.

fn domain_problem(value: &str, lang: Lang) -> String {
    let v = value.trim().trim_end_matches('.');
    let msg = if v.is_empty() {
        Msg::ErrRequired
    } else if v
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "@_,;:/\\!?*'\"()<>[]".contains(c))
    {
        Msg::ErrDomainChars
    } else if !v.contains('.') {
        Msg::ErrDomainLabels
    } else if v.starts_with('.') || v.contains("..") {
        Msg::ErrDomainDots
    } else {
        match idna::domain_to_ascii(v) {
            Err(_) => Msg::ErrDomain,
            Ok(ascii) => {
                let labels: Vec<&str> = ascii.split('.').collect();
                if ascii.len() > 253 || labels.iter().any(|l| l.len() > 63) {
                    Msg::ErrDomainLong
                } else if labels
                    .iter()
                    .any(|l| l.starts_with('-') || l.ends_with('-'))
                {
                    Msg::ErrDomainHyphen
                } else if !ascii
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
                {
                    Msg::ErrDomainChars
                } else {
                    Msg::ErrDomain
                }
            }
        }
    };
    lang.t(msg).to_string()
}

fn address_problem(value: &str, lang: Lang) -> String {
    let v = value.trim();
    let Some((local, domain)) = v.rsplit_once('@') else {
        return lang.t(Msg::ErrAddressNoAt).to_string();
    };
    if local.is_empty() {
        lang.t(Msg::ErrLocalPartEmpty).to_string()
    } else if local.len() > 64 {
        lang.t(Msg::ErrLocalPartLong).to_string()
    } else if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        lang.t(Msg::ErrLocalPartDots).to_string()
    } else if LocalPart::parse(local).is_err() {
        lang.t(Msg::ErrLocalPart).to_string()
    } else if DomainName::parse(domain).is_err() {
        domain_problem(domain, lang)
    } else {
        lang.t(Msg::ErrAddressLong).to_string()
    }
}

fn size_problem(lang: Lang) -> String {
    lang.t(Msg::ErrSize).to_string()
}

fn password_problem(value: &str, lang: Lang) -> String {
    if value.is_empty() {
        lang.t(Msg::ErrRequired).to_string()
    } else if value.chars().any(char::is_control) {
        lang.t(Msg::ErrPasswordControl).to_string()
    } else {
        let least = crate::password::MIN_LENGTH.to_string();
        lang.fmt(Msg::ErrPasswordShort, &[&least])
    }
}

fn targets_problem(value: &str, lang: Lang) -> String {
    let bad = value
        .split([',', ' '])
        .map(str::trim)
        .find(|t| !t.is_empty() && Address::parse(t).is_err());
    match bad {
        Some(t) => lang.fmt(Msg::ErrTarget, &[t, &address_problem(t, lang)]),
        None => lang.t(Msg::ErrTargetsNone).to_string(),
    }
}
