//! Add/edit forms: their fields, inline validation and the [`Job`] a valid
//! form becomes. Every value is checked by the model's own parsers
//! (`DomainName`, `Address`, `AliasAddress`, `Size`, `Password`) — the same
//! code path the CLI takes — and applied through the ops layer.

use super::action::Job;
use super::state::MailboxRow;
use crate::error::Error;
use crate::i18n::{Lang, Msg};
use crate::model::*;
use crate::ops::{MailboxRequest, PasswordInput};
use crate::password::Password;
use tui_input::{Input, InputRequest};

/// What a form is for.
#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    AddDomain,
    EditDomain(DomainName),
    AddAliasDomain,
    EditAliasDomain(DomainName),
    AddMailbox,
    EditMailbox(Address),
    Password(Address),
    AddAlias,
    EditAlias(AliasAddress, Vec<Address>),
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
            FormKind::EditDomain(d.name.clone()),
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
            FormKind::EditAliasDomain(a.name.clone()),
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
            FormKind::EditMailbox(m.address.clone()),
            vec![
                Field::text(Msg::FieldName, Check::Text, &m.name),
                Field::text(Msg::FieldQuota, Check::Size, &size_text(m.quota)),
            ],
        )
    }

    pub fn password(address: &Address) -> Form {
        Form::new(
            FormKind::Password(address.clone()),
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
            FormKind::EditAlias(a.address.clone(), a.targets.clone()),
            vec![Field::text(
                Msg::FieldTargets,
                Check::Targets,
                &targets.join(", "),
            )],
        )
    }

    fn new(kind: FormKind, fields: Vec<Field>) -> Form {
        Form {
            kind,
            fields,
            focus: 0,
            pending: false,
            error: None,
        }
    }

    /// The title, in `lang`.
    pub fn title(&self, lang: Lang) -> String {
        match &self.kind {
            FormKind::AddDomain => lang.t(Msg::FormAddDomain).into(),
            FormKind::EditDomain(d) => lang.fmt(Msg::FormEditDomain, &[&d.to_unicode()]),
            FormKind::AddAliasDomain => lang.t(Msg::FormAddAliasDomain).into(),
            FormKind::EditAliasDomain(d) => lang.fmt(Msg::FormEditAliasDomain, &[&d.to_unicode()]),
            FormKind::AddMailbox => lang.t(Msg::FormAddMailbox).into(),
            FormKind::EditMailbox(a) => lang.fmt(Msg::FormEditMailbox, &[&a.to_unicode()]),
            FormKind::Password(a) => lang.fmt(Msg::FormPassword, &[&a.to_unicode()]),
            FormKind::AddAlias => lang.t(Msg::FormAddAlias).into(),
            FormKind::EditAlias(a, _) => lang.fmt(Msg::FormEditAlias, &[&a.to_string()]),
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

    fn check(&self, i: usize, value: &str, lang: Lang) -> Result<(), String> {
        // Inline, the field's label says what; the reason is enough.
        let why = |e: Error| e.why;
        match self.fields[i].check {
            Check::Text => Ok(()),
            Check::Domain => DomainName::parse(value.trim()).map(drop).map_err(why),
            Check::Count => parse_count(value, lang).map(drop),
            Check::Size => Size::parse(value).map(drop).map_err(why),
            Check::OptionalSize => parse_optional_size(value).map(drop).map_err(why),
            Check::Address => Address::parse(value.trim()).map(drop).map_err(why),
            Check::AliasAddress => AliasAddress::parse(value.trim()).map(drop).map_err(why),
            Check::Targets => parse_targets(value).map(drop).map_err(why),
            Check::Password => Password::new(value.to_string()).map(drop).map_err(why),
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
    pub fn submit(&mut self, lang: Lang) -> Option<Job> {
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
            return None;
        }
        match self.build() {
            Ok(job) => Some(job),
            Err((i, e)) => {
                self.fields[i].error = Some(e.why);
                self.focus = i;
                None
            }
        }
    }

    fn build(&self) -> Result<Job, (usize, Error)> {
        let v = |i: usize| self.fields[i].value().trim();
        let count = |i: usize| {
            at(
                i,
                parse_count(v(i), Lang::En).map_err(|e| Error::invalid("", e)),
            )
        };
        Ok(match &self.kind {
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
            FormKind::EditDomain(name) => Job::EditDomain(
                name.clone(),
                DomainPatch {
                    description: Some(v(0).to_string()),
                    active: None,
                    max_mailboxes: Some(count(1)?),
                    max_aliases: Some(count(2)?),
                    quota: Some(at(3, Size::parse(v(3)))?),
                    default_quota: Some(at(4, Size::parse(v(4)))?),
                },
            ),
            FormKind::AddAliasDomain => Job::AddAliasDomain(
                at(0, DomainName::parse(v(0)))?,
                at(1, DomainName::parse(v(1)))?,
            ),
            FormKind::EditAliasDomain(name) => Job::EditAliasDomain(
                name.clone(),
                AliasDomainPatch {
                    target: Some(at(0, DomainName::parse(v(0)))?),
                    active: None,
                },
            ),
            FormKind::AddMailbox => Job::AddMailbox(MailboxRequest {
                address: at(0, Address::parse(v(0)))?,
                name: v(1).to_string(),
                quota: at(2, parse_optional_size(v(2)))?,
                password: self.password_input(3, 4)?,
            }),
            FormKind::EditMailbox(address) => Job::EditMailbox(
                address.clone(),
                MailboxPatch {
                    name: Some(v(0).to_string()),
                    quota: Some(at(1, Size::parse(v(1)))?),
                    ..Default::default()
                },
            ),
            FormKind::Password(address) => {
                Job::SetPassword(address.clone(), self.password_input(0, 1)?)
            }
            FormKind::AddAlias => Job::AddAlias(
                at(0, AliasAddress::parse(v(0)))?,
                at(1, parse_targets(v(1)))?,
            ),
            FormKind::EditAlias(address, before) => {
                let after = at(0, parse_targets(v(0)))?;
                Job::EditAlias(
                    address.clone(),
                    AliasPatch {
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
                    },
                )
            }
        })
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
