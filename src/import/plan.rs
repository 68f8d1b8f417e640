//! The plan: what the files ask for, compared with what the directory
//! holds, as an ordered list of changes, checked as a whole against the
//! directory's integrity rules and limits before anything is written.
//!
//! Order: removals first (aliases, then mailboxes, then alias domains: an
//! alias leaves before the mailbox it forwards to, and removals free room
//! under the limits), then domains and alias domains, mailboxes, and last
//! aliases (a new alias's targets exist by then; an alias whose target is
//! another new alias comes after it).

use super::rows::{
    AliasDomainRow, AliasRow, Desired, DomainRow, Kind, MailboxRow, Origin, PasswordValue, RowError,
};
use crate::directory::rules;
use crate::error::Error;
use crate::model::*;
use crate::password::Password;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What the directory holds, as read for planning.
#[derive(Debug, Clone, Default)]
pub struct Current {
    pub domains: BTreeMap<DomainName, Domain>,
    pub alias_domains: BTreeMap<DomainName, AliasDomain>,
    pub mailboxes: BTreeMap<Address, Mailbox>,
    pub aliases: BTreeMap<AliasAddress, Alias>,
}

impl Current {
    pub fn new(
        domains: Vec<Domain>,
        alias_domains: Vec<AliasDomain>,
        mailboxes: Vec<Mailbox>,
        aliases: Vec<Alias>,
    ) -> Self {
        Current {
            domains: domains.into_iter().map(|d| (d.name.clone(), d)).collect(),
            alias_domains: alias_domains
                .into_iter()
                .map(|a| (a.name.clone(), a))
                .collect(),
            mailboxes: mailboxes
                .into_iter()
                .map(|m| (m.address.clone(), m))
                .collect(),
            aliases: aliases
                .into_iter()
                .map(|a| (a.address.clone(), a))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Add,
    Change,
    Remove,
}

/// One field's change: JSON values for scripts, text for people.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDiff {
    pub field: &'static str,
    pub from: Value,
    pub to: Value,
    pub shown_from: String,
    pub shown_to: String,
}

/// A password still to be hashed (or made) when the plan is applied.
#[derive(Debug, Clone)]
pub enum Pending {
    Plain(Password),
    Generate,
}

/// A change as planned; those needing a password hash get it at apply.
#[derive(Debug, Clone)]
pub enum Draft {
    Ready(Change),
    NewMailbox {
        address: Address,
        name: String,
        quota: Option<Size>,
        active: bool,
        password: Pending,
    },
    SetPassword {
        address: Address,
        patch: MailboxPatch,
        if_version: Option<i64>,
        password: Pending,
    },
}

#[derive(Debug, Clone)]
pub struct Step {
    pub op: Op,
    pub kind: Kind,
    pub object: String,
    pub fields: Vec<FieldDiff>,
    pub draft: Draft,
    /// The version of the object the plan was made from (None: absent).
    pub read_version: Option<i64>,
}

impl Step {
    /// The step in the JSON form of SPEC.md.
    pub fn to_json(&self) -> Value {
        let fields: serde_json::Map<String, Value> = self
            .fields
            .iter()
            .map(|f| (f.field.to_string(), json!({"from": f.from, "to": f.to})))
            .collect();
        json!({
            "op": self.op,
            "kind": self.kind.name(),
            "object": self.object,
            "fields": fields,
        })
    }

    /// `+ mailbox alice@example.org`, `~ mailbox bob@…: quota 1G -> 2G`.
    pub fn line(&self) -> String {
        let sign = match self.op {
            Op::Add => "+",
            Op::Change => "~",
            Op::Remove => "-",
        };
        let object = unicode_names(&self.object);
        let kind = self.kind.name().replace('_', " ");
        if self.op != Op::Change {
            return format!("{sign} {kind} {object}");
        }
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|f| {
                let label = f.field.trim_end_matches("_bytes").replace('_', " ");
                if f.field == "password" {
                    "password".to_string()
                } else {
                    format!("{label} {} -> {}", f.shown_from, f.shown_to)
                }
            })
            .collect();
        format!("{sign} {kind} {object}: {}", parts.join(", "))
    }
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub add: u64,
    pub change: u64,
    pub remove: u64,
    pub unchanged: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub unchanged: u64,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let count = |op| self.steps.iter().filter(|s| s.op == op).count() as u64;
        Summary {
            add: count(Op::Add),
            change: count(Op::Change),
            remove: count(Op::Remove),
            unchanged: self.unchanged,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "changes": self.steps.iter().map(Step::to_json).collect::<Vec<_>>(),
            "summary": self.summary(),
        })
    }

    /// Does applying need generated passwords?
    pub fn generates(&self) -> bool {
        self.steps.iter().any(|s| {
            matches!(
                s.draft,
                Draft::NewMailbox {
                    password: Pending::Generate,
                    ..
                } | Draft::SetPassword {
                    password: Pending::Generate,
                    ..
                }
            )
        })
    }
}

fn diff<T: PartialEq + Serialize>(
    out: &mut Vec<FieldDiff>,
    field: &'static str,
    from: &T,
    to: &T,
    show: impl Fn(&T) -> String,
) {
    if from != to {
        out.push(FieldDiff {
            field,
            from: serde_json::to_value(from).unwrap_or(Value::Null),
            to: serde_json::to_value(to).unwrap_or(Value::Null),
            shown_from: show(from),
            shown_to: show(to),
        });
    }
}

fn added<T: Serialize>(out: &mut Vec<FieldDiff>, field: &'static str, to: &T) {
    out.push(FieldDiff {
        field,
        from: Value::Null,
        to: serde_json::to_value(to).unwrap_or(Value::Null),
        shown_from: String::new(),
        shown_to: String::new(),
    });
}

fn quoted(s: &String) -> String {
    format!("{s:?}")
}
fn size(s: &Size) -> String {
    s.human()
}
fn plain<T: ToString>(v: &T) -> String {
    v.to_string()
}
fn list(v: &[Address]) -> String {
    v.iter()
        .map(Address::to_unicode)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds the plan, or every reason it cannot be made. `verified` holds the
/// mailboxes whose stored hash already verifies the file's plaintext.
pub fn plan(
    desired: &Desired,
    current: &Current,
    prune: &[DomainName],
    verified: &HashSet<Address>,
) -> Result<Plan, Vec<RowError>> {
    let mut errors = Vec::new();
    let domains = unique(
        &desired.domains,
        |r| r.name.clone(),
        |r| &r.origin,
        &mut errors,
        "domain",
    );
    let alias_domains = unique(
        &desired.alias_domains,
        |r| r.name.clone(),
        |r| &r.origin,
        &mut errors,
        "alias domain",
    );
    let mailboxes = unique(
        &desired.mailboxes,
        |r| r.address.clone(),
        |r| &r.origin,
        &mut errors,
        "mailbox",
    );
    let aliases = unique(
        &desired.aliases,
        |r| r.address.clone(),
        |r| &r.origin,
        &mut errors,
        "alias",
    );

    let pruned = |d: &DomainName| prune.contains(d);
    // What goes: what the files do not name in a pruned domain.
    let gone_aliases: Vec<&Alias> = current
        .aliases
        .values()
        .filter(|a| pruned(a.address.domain()) && !aliases.contains_key(&a.address))
        .collect();
    let gone_mailboxes: Vec<&Mailbox> = current
        .mailboxes
        .values()
        .filter(|m| pruned(m.domain()) && !mailboxes.contains_key(&m.address))
        .collect();
    let gone_alias_domains: Vec<&AliasDomain> = current
        .alias_domains
        .values()
        .filter(|a| pruned(&a.target) && !alias_domains.contains_key(&a.name))
        .collect();
    let gone_mailbox_set: HashSet<&Address> = gone_mailboxes.iter().map(|m| &m.address).collect();
    let gone_alias_set: HashSet<&AliasAddress> = gone_aliases.iter().map(|a| &a.address).collect();

    // The domains and alias domains as they will be.
    let mut final_domains: BTreeMap<DomainName, (Domain, Option<&Origin>)> = current
        .domains
        .iter()
        .map(|(k, d)| (k.clone(), (d.clone(), None)))
        .collect();
    let mut steps_domains = Vec::new();
    let mut unchanged = 0u64;
    for row in domains.values() {
        if let Some(a) = current.alias_domains.get(&row.name) {
            errors.push(RowError::new(
                &row.origin,
                Error::invalid(
                    format!("domain {}", row.name),
                    format!("is an alias domain of {}", a.target),
                )
                .with_hint("a hosted domain cannot also be an alias domain"),
            ));
            continue;
        }
        match plan_domain(row, current.domains.get(&row.name)) {
            Ok((steps, after)) => {
                if steps.is_empty() {
                    unchanged += 1;
                }
                steps_domains.extend(steps);
                final_domains.insert(row.name.clone(), (after, Some(&row.origin)));
            }
            Err(e) => errors.push(e),
        }
    }
    let mut final_alias_domains: BTreeMap<DomainName, DomainName> = current
        .alias_domains
        .iter()
        .filter(|(_, a)| !gone_alias_domains.iter().any(|g| g.name == a.name))
        .map(|(k, a)| (k.clone(), a.target.clone()))
        .collect();
    let mut steps_alias_domains = Vec::new();
    for row in alias_domains.values() {
        if final_domains.contains_key(&row.name) {
            errors.push(RowError::new(
                &row.origin,
                Error::invalid(format!("alias domain {}", row.name), "is a hosted domain")
                    .with_hint("a hosted domain cannot also be an alias domain"),
            ));
            continue;
        }
        if !final_domains.contains_key(&row.target) {
            errors.push(RowError::new(
                &row.origin,
                Error::invalid(
                    format!("alias domain {}", row.name),
                    format!(
                        "its target {} is neither in the files nor a hosted domain",
                        row.target
                    ),
                ),
            ));
            continue;
        }
        final_alias_domains.insert(row.name.clone(), row.target.clone());
        match plan_alias_domain(row, current.alias_domains.get(&row.name)) {
            Some(step) => steps_alias_domains.push(step),
            None => unchanged += 1,
        }
    }

    // Mailboxes.
    let mut steps_mailboxes = Vec::new();
    // By domain, then local part, as the directory lists them.
    let mut ordered: Vec<&&MailboxRow> = mailboxes.values().collect();
    ordered.sort_by(|a, b| {
        (a.address.domain(), a.address.local().as_str())
            .cmp(&(b.address.domain(), b.address.local().as_str()))
    });
    for row in ordered {
        let domain = row.address.domain();
        let Some((final_domain, _)) = final_domains.get(domain) else {
            let why = match final_alias_domains.get(domain) {
                Some(t) => format!("domain {domain} is an alias domain of {t}"),
                None => format!("domain {domain} is neither in the files nor in the directory"),
            };
            errors.push(RowError::new(
                &row.origin,
                Error::invalid(format!("mailbox {}", row.address), why)
                    .with_hint("add the domain to the files (or with postier domain add) first"),
            ));
            continue;
        };
        let alias_here = AliasAddress::Address(row.address.clone());
        if aliases.contains_key(&alias_here)
            || (current.aliases.contains_key(&alias_here) && !gone_alias_set.contains(&alias_here))
        {
            errors.push(RowError::new(
                &row.origin,
                rules::address_is_alias(&row.address),
            ));
            continue;
        }
        match plan_mailbox(
            row,
            current.mailboxes.get(&row.address),
            final_domain,
            verified,
        ) {
            Ok(Some(step)) => steps_mailboxes.push(step),
            Ok(None) => unchanged += 1,
            Err(e) => errors.push(e),
        }
    }

    // Aliases.
    let has_mailbox = |a: &Address| {
        mailboxes.contains_key(a)
            || (current.mailboxes.contains_key(a) && !gone_mailbox_set.contains(a))
    };
    let has_alias = |a: &AliasAddress| {
        aliases.contains_key(a) || (current.aliases.contains_key(a) && !gone_alias_set.contains(a))
    };
    let mut steps_aliases = Vec::new();
    // By domain, the catch-all first, as the directory lists them.
    let alias_key = |a: &AliasAddress| match a {
        AliasAddress::CatchAll(d) => (d.clone(), String::new()),
        AliasAddress::Address(x) => (x.domain().clone(), x.local().as_str().to_string()),
    };
    let mut ordered: Vec<&&AliasRow> = aliases.values().collect();
    ordered.sort_by_key(|r| alias_key(&r.address));
    for row in ordered {
        let domain = row.address.domain();
        if !final_domains.contains_key(domain) {
            let why = match final_alias_domains.get(domain) {
                Some(t) => format!("domain {domain} is an alias domain of {t}"),
                None => format!("domain {domain} is neither in the files nor in the directory"),
            };
            errors.push(RowError::new(
                &row.origin,
                Error::invalid(format!("alias {}", row.address), why),
            ));
            continue;
        }
        if let Err(e) = rules::check_targets(&row.address, &row.targets) {
            errors.push(RowError::new(&row.origin, e));
            continue;
        }
        let mut bad = false;
        for target in &row.targets {
            if matches!(&row.address, AliasAddress::Address(own) if own == target) {
                continue;
            }
            let resolved = if final_domains.contains_key(target.domain()) {
                Some(target.clone())
            } else if let Some(t) = final_alias_domains.get(target.domain()) {
                Address::new(target.local().clone(), t.clone()).ok()
            } else {
                None
            };
            if let Some(r) = resolved
                && !has_mailbox(&r)
                && !has_alias(&AliasAddress::Address(r.clone()))
            {
                errors.push(RowError::new(
                    &row.origin,
                    rules::unknown_target(&row.address, target)
                        .with_hint(format!("add {target} to the files, or check the spelling")),
                ));
                bad = true;
            }
        }
        if bad {
            continue;
        }
        let before = current.aliases.get(&row.address);
        let steps = plan_alias(row, before, &gone_mailbox_set);
        if steps.is_empty() {
            unchanged += 1;
        }
        steps_aliases.extend(steps);
    }
    // Aliases the files keep (or do not name) whose every target goes.
    for alias in current.aliases.values() {
        if gone_alias_set.contains(&alias.address) || aliases.contains_key(&alias.address) {
            continue;
        }
        if !alias.targets.is_empty() && alias.targets.iter().all(|t| gone_mailbox_set.contains(t)) {
            let origin = Origin {
                file: "--prune".into(),
                line: 0,
            };
            errors.push(RowError::new(
                &origin,
                Error::refused(
                    format!("alias {}", alias.address),
                    format!(
                        "forwards only to mailboxes the import removes ({})",
                        list(&alias.targets)
                    ),
                )
                .with_hint("name the alias in the files with another target, or remove it first"),
            ));
        }
    }

    check_limits(
        &final_domains,
        current,
        &mailboxes,
        &aliases,
        &gone_mailbox_set,
        &gone_alias_set,
        &mut errors,
    );

    if !errors.is_empty() {
        errors.sort_by(|a, b| {
            (a.origin.file.as_str(), a.origin.line).cmp(&(b.origin.file.as_str(), b.origin.line))
        });
        return Err(errors);
    }

    let mut steps = Vec::new();
    for a in gone_aliases {
        steps.push(Step {
            op: Op::Remove,
            kind: Kind::Alias,
            object: a.address.to_string(),
            fields: Vec::new(),
            draft: Draft::Ready(Change::RemoveAlias {
                address: a.address.clone(),
            }),
            read_version: Some(a.version),
        });
    }
    for m in gone_mailboxes {
        steps.push(Step {
            op: Op::Remove,
            kind: Kind::Mailbox,
            object: m.address.to_string(),
            fields: Vec::new(),
            draft: Draft::Ready(Change::RemoveMailbox {
                address: m.address.clone(),
                detach: true,
            }),
            read_version: Some(m.version),
        });
    }
    for a in gone_alias_domains {
        steps.push(Step {
            op: Op::Remove,
            kind: Kind::AliasDomain,
            object: a.name.to_string(),
            fields: Vec::new(),
            draft: Draft::Ready(Change::RemoveAliasDomain {
                name: a.name.clone(),
            }),
            read_version: Some(a.version),
        });
    }
    steps.extend(steps_domains);
    steps.extend(steps_alias_domains);
    steps.extend(steps_mailboxes);
    steps.extend(order_aliases(steps_aliases));
    Ok(Plan { steps, unchanged })
}

/// Keeps the first row for each key; each later one is an error naming
/// where the first is (keys are normalized: case, U-label or A-label).
fn unique<'a, K: Ord + Clone + std::fmt::Display, R>(
    rows: &'a [R],
    key: impl Fn(&R) -> K,
    origin: impl Fn(&R) -> &Origin,
    errors: &mut Vec<RowError>,
    what: &str,
) -> BTreeMap<K, &'a R> {
    let mut out: BTreeMap<K, &R> = BTreeMap::new();
    for row in rows {
        let k = key(row);
        if let Some(first) = out.get(&k) {
            errors.push(RowError::new(
                origin(row),
                Error::invalid(
                    format!("{what} {k}"),
                    format!("is already at {}", origin(first)),
                )
                .with_hint("keep one row per object"),
            ));
        } else {
            out.insert(k, row);
        }
    }
    out
}

/// The second step of an object created active that the files want
/// inactive.
fn switch_off(kind: Kind, object: String, change: Change) -> Step {
    Step {
        op: Op::Change,
        kind,
        object,
        fields: vec![FieldDiff {
            field: "active",
            from: Value::Bool(true),
            to: Value::Bool(false),
            shown_from: "true".into(),
            shown_to: "false".into(),
        }],
        draft: Draft::Ready(change),
        read_version: None,
    }
}

fn plan_domain(row: &DomainRow, before: Option<&Domain>) -> Result<(Vec<Step>, Domain), RowError> {
    let err = |e: Error| RowError::new(&row.origin, e);
    match before {
        None => {
            let quota = row.quota.unwrap_or_default();
            let max_mailboxes = row.max_mailboxes.unwrap_or(0);
            let default_quota = rules::default_quota_under_cap(
                &row.name,
                quota,
                max_mailboxes,
                row.default_quota.unwrap_or_default(),
            )
            .map_err(err)?;
            let settings = DomainSettings {
                description: row.description.clone().unwrap_or_default(),
                max_mailboxes,
                max_aliases: row.max_aliases.unwrap_or(0),
                quota,
                default_quota,
            };
            let mut fields = Vec::new();
            added(&mut fields, "description", &settings.description);
            added(&mut fields, "max_mailboxes", &settings.max_mailboxes);
            added(&mut fields, "max_aliases", &settings.max_aliases);
            added(&mut fields, "quota_bytes", &settings.quota);
            added(&mut fields, "default_quota_bytes", &settings.default_quota);
            let after = Domain {
                name: row.name.clone(),
                description: settings.description.clone(),
                active: true,
                mailboxes: 0,
                aliases: 0,
                max_mailboxes,
                max_aliases: settings.max_aliases,
                quota,
                default_quota,
                allotted_quota: Size::UNLIMITED,
                alias_domains: Vec::new(),
                created_at: String::new(),
                updated_at: String::new(),
                version: 0,
            };
            let mut steps = vec![Step {
                op: Op::Add,
                kind: Kind::Domain,
                object: row.name.to_string(),
                fields,
                draft: Draft::Ready(Change::AddDomain {
                    name: row.name.clone(),
                    settings,
                }),
                read_version: None,
            }];
            // A domain is created active; one the files want inactive is
            // then switched off.
            if row.active == Some(false) {
                steps.push(switch_off(
                    Kind::Domain,
                    row.name.to_string(),
                    Change::EditDomain {
                        name: row.name.clone(),
                        patch: DomainPatch {
                            active: Some(false),
                            ..Default::default()
                        },
                        if_version: None,
                    },
                ));
            }
            let mut after = after;
            after.active = row.active.unwrap_or(true);
            Ok((steps, after))
        }
        Some(d) => {
            let mut after = d.clone();
            if let Some(v) = &row.description {
                after.description = v.clone();
            }
            if let Some(v) = row.active {
                after.active = v;
            }
            if let Some(v) = row.max_mailboxes {
                after.max_mailboxes = v;
            }
            if let Some(v) = row.max_aliases {
                after.max_aliases = v;
            }
            if let Some(v) = row.quota {
                after.quota = v;
            }
            if let Some(v) = row.default_quota {
                after.default_quota = v;
            }
            if after.quota != d.quota && !after.quota.is_unlimited() {
                after.default_quota = rules::default_quota_under_cap(
                    &row.name,
                    after.quota,
                    after.max_mailboxes,
                    after.default_quota,
                )
                .map_err(err)?;
            }
            let mut fields = Vec::new();
            diff(
                &mut fields,
                "description",
                &d.description,
                &after.description,
                quoted,
            );
            diff(&mut fields, "active", &d.active, &after.active, plain);
            diff(
                &mut fields,
                "max_mailboxes",
                &d.max_mailboxes,
                &after.max_mailboxes,
                plain,
            );
            diff(
                &mut fields,
                "max_aliases",
                &d.max_aliases,
                &after.max_aliases,
                plain,
            );
            diff(&mut fields, "quota_bytes", &d.quota, &after.quota, size);
            diff(
                &mut fields,
                "default_quota_bytes",
                &d.default_quota,
                &after.default_quota,
                size,
            );
            if fields.is_empty() {
                return Ok((Vec::new(), after));
            }
            let patch = DomainPatch {
                description: (after.description != d.description)
                    .then(|| after.description.clone()),
                active: (after.active != d.active).then_some(after.active),
                max_mailboxes: (after.max_mailboxes != d.max_mailboxes)
                    .then_some(after.max_mailboxes),
                max_aliases: (after.max_aliases != d.max_aliases).then_some(after.max_aliases),
                quota: (after.quota != d.quota).then_some(after.quota),
                default_quota: (after.default_quota != d.default_quota)
                    .then_some(after.default_quota),
            };
            Ok((
                vec![Step {
                    op: Op::Change,
                    kind: Kind::Domain,
                    object: row.name.to_string(),
                    fields,
                    draft: Draft::Ready(Change::EditDomain {
                        name: row.name.clone(),
                        patch,
                        if_version: Some(d.version),
                    }),
                    read_version: Some(d.version),
                }],
                after,
            ))
        }
    }
}

fn plan_alias_domain(row: &AliasDomainRow, before: Option<&AliasDomain>) -> Option<Step> {
    match before {
        None => {
            let mut fields = Vec::new();
            added(&mut fields, "target", &row.target);
            Some(Step {
                op: Op::Add,
                kind: Kind::AliasDomain,
                object: row.name.to_string(),
                fields,
                draft: Draft::Ready(Change::AddAliasDomain {
                    name: row.name.clone(),
                    target: row.target.clone(),
                }),
                read_version: None,
            })
        }
        Some(a) => {
            let active = row.active.unwrap_or(a.active);
            let mut fields = Vec::new();
            diff(&mut fields, "target", &a.target, &row.target, |d| {
                d.to_unicode()
            });
            diff(&mut fields, "active", &a.active, &active, plain);
            if fields.is_empty() {
                return None;
            }
            Some(Step {
                op: Op::Change,
                kind: Kind::AliasDomain,
                object: row.name.to_string(),
                fields,
                draft: Draft::Ready(Change::EditAliasDomain {
                    name: row.name.clone(),
                    patch: AliasDomainPatch {
                        target: (row.target != a.target).then(|| row.target.clone()),
                        active: (active != a.active).then_some(active),
                    },
                    if_version: Some(a.version),
                }),
                read_version: Some(a.version),
            })
        }
    }
}

fn plan_mailbox(
    row: &MailboxRow,
    before: Option<&Mailbox>,
    domain: &Domain,
    verified: &HashSet<Address>,
) -> Result<Option<Step>, RowError> {
    match before {
        None => {
            let Some(password) = &row.password else {
                return Err(RowError::new(
                    &row.origin,
                    Error::invalid(
                        format!("mailbox {}", row.address),
                        "is new and has no password",
                    )
                    .with_hint("give password (a hash), password_plain, or password: generate"),
                ));
            };
            let quota = row.quota.unwrap_or(domain.default_quota);
            let mut fields = Vec::new();
            added(&mut fields, "name", &row.name.clone().unwrap_or_default());
            added(&mut fields, "quota_bytes", &quota);
            added(&mut fields, "active", &row.active.unwrap_or(true));
            let name = row.name.clone().unwrap_or_default();
            let active = row.active.unwrap_or(true);
            let draft = match password {
                PasswordValue::Hash(h) => {
                    added(&mut fields, "password", &h.scheme());
                    Draft::Ready(Change::AddMailbox(NewMailbox {
                        address: row.address.clone(),
                        name,
                        password: h.clone(),
                        quota: row.quota,
                        active,
                    }))
                }
                PasswordValue::Plain(p) => Draft::NewMailbox {
                    address: row.address.clone(),
                    name,
                    quota: row.quota,
                    active,
                    password: Pending::Plain(p.clone()),
                },
                PasswordValue::Generate => Draft::NewMailbox {
                    address: row.address.clone(),
                    name,
                    quota: row.quota,
                    active,
                    password: Pending::Generate,
                },
            };
            Ok(Some(Step {
                op: Op::Add,
                kind: Kind::Mailbox,
                object: row.address.to_string(),
                fields,
                draft,
                read_version: None,
            }))
        }
        Some(m) => {
            let name = row.name.clone().unwrap_or_else(|| m.name.clone());
            let quota = row.quota.unwrap_or(m.quota);
            let active = row.active.unwrap_or(m.active);
            let mut fields = Vec::new();
            diff(&mut fields, "name", &m.name, &name, quoted);
            diff(&mut fields, "quota_bytes", &m.quota, &quota, size);
            diff(&mut fields, "active", &m.active, &active, plain);
            let patch = MailboxPatch {
                name: (name != m.name).then_some(name),
                password: None,
                quota: (quota != m.quota).then_some(quota),
                active: (active != m.active).then_some(active),
            };
            // A generated password is made for new mailboxes only: a
            // re-import must not change every member's password.
            let pending = match &row.password {
                Some(PasswordValue::Hash(h)) if h != &m.password => Some(Ok(h.clone())),
                Some(PasswordValue::Plain(p)) if !verified.contains(&m.address) => {
                    Some(Err(Pending::Plain(p.clone())))
                }
                _ => None,
            };
            if pending.is_some() {
                fields.push(FieldDiff {
                    field: "password",
                    from: Value::String(m.password.scheme().to_string()),
                    to: Value::String("changed".into()),
                    shown_from: String::new(),
                    shown_to: String::new(),
                });
            }
            if fields.is_empty() {
                return Ok(None);
            }
            let draft = match pending {
                None => Draft::Ready(Change::EditMailbox {
                    address: m.address.clone(),
                    patch,
                    if_version: Some(m.version),
                }),
                Some(Ok(hash)) => Draft::Ready(Change::EditMailbox {
                    address: m.address.clone(),
                    patch: MailboxPatch {
                        password: Some(hash),
                        ..patch
                    },
                    if_version: Some(m.version),
                }),
                Some(Err(pending)) => Draft::SetPassword {
                    address: m.address.clone(),
                    patch,
                    if_version: Some(m.version),
                    password: pending,
                },
            };
            Ok(Some(Step {
                op: Op::Change,
                kind: Kind::Mailbox,
                object: row.address.to_string(),
                fields,
                draft,
                read_version: Some(m.version),
            }))
        }
    }
}

fn plan_alias(row: &AliasRow, before: Option<&Alias>, gone: &HashSet<&Address>) -> Vec<Step> {
    match before {
        None => {
            let mut fields = Vec::new();
            added(&mut fields, "targets", &row.targets);
            let mut steps = vec![Step {
                op: Op::Add,
                kind: Kind::Alias,
                object: row.address.to_string(),
                fields,
                draft: Draft::Ready(Change::AddAlias {
                    address: row.address.clone(),
                    targets: row.targets.clone(),
                }),
                read_version: None,
            }];
            if row.active == Some(false) {
                steps.push(switch_off(
                    Kind::Alias,
                    row.address.to_string(),
                    Change::EditAlias {
                        address: row.address.clone(),
                        patch: AliasPatch {
                            active: Some(false),
                            ..Default::default()
                        },
                        if_version: None,
                    },
                ));
            }
            steps
        }
        Some(a) => {
            let active = row.active.unwrap_or(a.active);
            let old: BTreeSet<&Address> = a.targets.iter().collect();
            let new: BTreeSet<&Address> = row.targets.iter().collect();
            let mut fields = Vec::new();
            if old != new {
                diff(&mut fields, "targets", &a.targets, &row.targets, |v| {
                    list(v)
                });
            }
            diff(&mut fields, "active", &a.active, &active, plain);
            if fields.is_empty() {
                return Vec::new();
            }
            // Removed mailboxes are taken out of it by their removal.
            let patch = AliasPatch {
                add_targets: row
                    .targets
                    .iter()
                    .filter(|t| !old.contains(t))
                    .cloned()
                    .collect(),
                remove_targets: a
                    .targets
                    .iter()
                    .filter(|t| !new.contains(t) && !gone.contains(t))
                    .cloned()
                    .collect(),
                active: (active != a.active).then_some(active),
            };
            if patch == AliasPatch::default() {
                // Only pruned mailboxes leave it: their removal does that.
                return Vec::new();
            }
            vec![Step {
                op: Op::Change,
                kind: Kind::Alias,
                object: row.address.to_string(),
                fields,
                draft: Draft::Ready(Change::EditAlias {
                    address: row.address.clone(),
                    patch,
                    if_version: Some(a.version),
                }),
                read_version: Some(a.version),
            }]
        }
    }
}

/// New aliases whose targets are other new aliases come after them.
fn order_aliases(steps: Vec<Step>) -> Vec<Step> {
    let new: HashMap<String, usize> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.op == Op::Add)
        .map(|(i, s)| (s.object.clone(), i))
        .collect();
    let deps = |s: &Step| -> Vec<usize> {
        match &s.draft {
            Draft::Ready(Change::AddAlias { targets, .. })
            | Draft::Ready(Change::EditAlias {
                patch:
                    AliasPatch {
                        add_targets: targets,
                        ..
                    },
                ..
            }) => targets
                .iter()
                .filter_map(|t| new.get(&t.to_string()).copied())
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut done = vec![false; steps.len()];
    let mut order = Vec::with_capacity(steps.len());
    fn visit(
        i: usize,
        steps: &[Step],
        deps: &dyn Fn(&Step) -> Vec<usize>,
        done: &mut [bool],
        order: &mut Vec<usize>,
        depth: usize,
    ) {
        if done[i] || depth > steps.len() {
            return;
        }
        done[i] = true;
        for d in deps(&steps[i]) {
            visit(d, steps, deps, done, order, depth + 1);
        }
        order.push(i);
    }
    for i in 0..steps.len() {
        visit(i, &steps, &deps, &mut done, &mut order, 0);
    }
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Would the directory after the import break a domain's limits?
#[allow(clippy::too_many_arguments)]
fn check_limits(
    final_domains: &BTreeMap<DomainName, (Domain, Option<&Origin>)>,
    current: &Current,
    mailboxes: &BTreeMap<Address, &MailboxRow>,
    aliases: &BTreeMap<AliasAddress, &AliasRow>,
    gone_mailboxes: &HashSet<&Address>,
    gone_aliases: &HashSet<&AliasAddress>,
    errors: &mut Vec<RowError>,
) {
    // Each domain's objects, grouped once (a domain-by-domain scan of every
    // object would cost domains x objects on a large import).
    fn group<'a, V>(
        items: impl Iterator<Item = (&'a DomainName, V)>,
    ) -> HashMap<&'a DomainName, Vec<V>> {
        let mut out: HashMap<&DomainName, Vec<V>> = HashMap::new();
        for (d, v) in items {
            out.entry(d).or_default().push(v);
        }
        out
    }
    let current_mailboxes = group(current.mailboxes.values().map(|m| (m.domain(), m)));
    let row_mailboxes = group(mailboxes.values().map(|r| (r.address.domain(), *r)));
    let current_aliases = group(current.aliases.values().map(|a| (a.address.domain(), a)));
    let row_aliases = group(aliases.values().map(|r| (r.address.domain(), *r)));
    let none_m: Vec<&Mailbox> = Vec::new();
    let none_mr: Vec<&MailboxRow> = Vec::new();
    let none_a: Vec<&Alias> = Vec::new();
    let none_ar: Vec<&AliasRow> = Vec::new();
    for (name, (domain, domain_origin)) in final_domains {
        // Mailboxes: existing ones kept, with the quota each will have.
        let mut count = 0u64;
        let mut allotted = 0u64;
        let mut over_count: Option<&Origin> = None;
        let mut over_quota: Option<&Origin> = None;
        for m in current_mailboxes.get(name).unwrap_or(&none_m) {
            if gone_mailboxes.contains(&m.address) {
                continue;
            }
            let quota = mailboxes
                .get(&m.address)
                .and_then(|r| r.quota)
                .unwrap_or(m.quota);
            count += 1;
            allotted = allotted.saturating_add(quota.bytes());
            if let Some(row) = mailboxes.get(&m.address)
                && !domain.quota.is_unlimited()
                && quota.is_unlimited()
            {
                errors.push(RowError::new(
                    &row.origin,
                    rules::check_quota(domain, Size::UNLIMITED, quota)
                        .err()
                        .unwrap_or_else(|| Error::limit("quota", "is unlimited")),
                ));
            }
        }
        for row in row_mailboxes.get(name).unwrap_or(&none_mr) {
            if current.mailboxes.contains_key(&row.address) {
                // Counted above; a changed quota is checked there too.
                if allotted > domain.quota.bytes() && !domain.quota.is_unlimited() {
                    over_quota.get_or_insert(&row.origin);
                }
                continue;
            }
            let quota = row.quota.unwrap_or(domain.default_quota);
            count += 1;
            allotted = allotted.saturating_add(quota.bytes());
            if domain.max_mailboxes > 0 && count > domain.max_mailboxes {
                over_count.get_or_insert(&row.origin);
            }
            if !domain.quota.is_unlimited() && quota.is_unlimited() {
                errors.push(RowError::new(
                    &row.origin,
                    rules::check_quota(domain, Size::UNLIMITED, quota)
                        .err()
                        .unwrap_or_else(|| Error::limit("quota", "is unlimited")),
                ));
            } else if !domain.quota.is_unlimited() && allotted > domain.quota.bytes() {
                over_quota.get_or_insert(&row.origin);
            }
        }
        let at = |o: Option<&Origin>| {
            o.or(*domain_origin).cloned().unwrap_or(Origin {
                file: "directory".into(),
                line: 0,
            })
        };
        if domain.max_mailboxes > 0 && count > domain.max_mailboxes {
            errors.push(RowError::new(
                &at(over_count),
                Error::limit(
                    format!("domain {name}"),
                    format!(
                        "would have {count} mailboxes, over its limit of {}",
                        domain.max_mailboxes
                    ),
                )
                .with_hint("raise max_mailboxes in the files, or import fewer mailboxes"),
            ));
        }
        if !domain.quota.is_unlimited() && allotted > domain.quota.bytes() {
            errors.push(RowError::new(
                &at(over_quota),
                Error::limit(
                    format!("domain {name}"),
                    format!(
                        "would give its mailboxes {} in all, over its total quota of {}",
                        Size::from_stored(allotted.min(i64::MAX as u64) as i64).approx(),
                        domain.quota.human()
                    ),
                )
                .with_hint("raise the domain's quota in the files, or lower mailbox quotas"),
            ));
        }
        // Aliases.
        let mut count = current_aliases
            .get(name)
            .unwrap_or(&none_a)
            .iter()
            .filter(|a| !gone_aliases.contains(&a.address))
            .count() as u64;
        let mut over: Option<&Origin> = None;
        for row in row_aliases.get(name).unwrap_or(&none_ar) {
            if current.aliases.contains_key(&row.address) {
                continue;
            }
            count += 1;
            if domain.max_aliases > 0 && count > domain.max_aliases {
                over.get_or_insert(&row.origin);
            }
        }
        if domain.max_aliases > 0 && count > domain.max_aliases {
            errors.push(RowError::new(
                &at(over),
                Error::limit(
                    format!("domain {name}"),
                    format!(
                        "would have {count} aliases, over its limit of {}",
                        domain.max_aliases
                    ),
                )
                .with_hint("raise max_aliases in the files, or import fewer aliases"),
            ));
        }
    }
}
