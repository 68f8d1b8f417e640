//! Reading the directory into entities: single objects by DN, listings by
//! paged search, and the counts a domain reports (mailboxes, aliases, the
//! sum of its mailbox quotas), which are computed from the entries
//! themselves, so an entry added by hand is counted too.

use super::conn::Conn;
use super::dit::Dit;
use super::entry::{self, Entry, attr, class};
use super::filter;
use crate::error::Result;
use crate::model::*;
use ldap3::Scope;
use std::collections::BTreeMap;

/// What a read of an entity asks for.
const ENTITY: [&str; 3] = ["*", attr::CREATED, attr::MODIFIED];

/// What a name under `ou=domains` is.
pub enum Slot {
    /// A hosted domain (without counts).
    Domain(Domain),
    AliasDomain(AliasDomain),
    Absent,
}

pub struct Reader<'a> {
    pub conn: &'a Conn,
    pub dit: &'a Dit,
}

impl Reader<'_> {
    /// The entry named by `dn`, of class `class`.
    pub async fn entry(&self, dn: &str, class: &str) -> Result<Option<Entry>> {
        self.conn.read(dn, &filter::class(class), &ENTITY).await
    }

    pub async fn slot(&self, name: &DomainName) -> Result<Slot> {
        let dn = self.dit.domain(name);
        let found = self
            .conn
            .read(
                &dn,
                &filter::or([
                    filter::class(class::DOMAIN),
                    filter::class(class::ALIAS_DOMAIN),
                ]),
                &ENTITY,
            )
            .await?;
        Ok(match found {
            None => Slot::Absent,
            Some(e) if e.has_class(class::DOMAIN) => Slot::Domain(entry::domain_from(&e)?),
            Some(e) => Slot::AliasDomain(entry::alias_domain_from(&e)?),
        })
    }

    /// A domain with its counts and alias domains; `None` if there is no
    /// such hosted domain.
    pub async fn domain(&self, name: &DomainName) -> Result<Option<Domain>> {
        match self.slot(name).await? {
            Slot::Domain(mut d) => {
                self.fill(&mut d).await?;
                Ok(Some(d))
            }
            _ => Ok(None),
        }
    }

    /// Completes a domain read from its entry alone.
    pub async fn fill(&self, d: &mut Domain) -> Result<()> {
        let children = self
            .conn
            .search(
                &self.dit.domain(&d.name),
                Scope::OneLevel,
                &filter::or([filter::class(class::MAILBOX), filter::class(class::ALIAS)]),
                &[attr::OBJECT_CLASS, attr::QUOTA],
            )
            .await?;
        let mut tally = Tally::default();
        for child in &children {
            tally.add(child)?;
        }
        tally.apply(d);
        d.alias_domains = self.alias_domains_of(&d.name).await?;
        Ok(())
    }

    /// Names of the alias domains pointing at `target`, sorted.
    pub async fn alias_domains_of(&self, target: &DomainName) -> Result<Vec<DomainName>> {
        let found = self
            .conn
            .search(
                &self.dit.domains(),
                Scope::OneLevel,
                &filter::and([
                    filter::class(class::ALIAS_DOMAIN),
                    filter::eq(attr::TARGET_DOMAIN, target.as_ascii()),
                ]),
                &ENTITY,
            )
            .await?;
        let mut names = found
            .iter()
            .map(|e| entry::alias_domain_from(e).map(|a| a.name))
            .collect::<Result<Vec<_>>>()?;
        names.sort();
        Ok(names)
    }

    /// Every domain with its counts, by name.
    pub async fn domains(&self) -> Result<Vec<Domain>> {
        let found = self
            .conn
            .search(
                &self.dit.domains(),
                Scope::OneLevel,
                &filter::or([
                    filter::class(class::DOMAIN),
                    filter::class(class::ALIAS_DOMAIN),
                ]),
                &ENTITY,
            )
            .await?;
        let members = self
            .conn
            .search(
                &self.dit.domains(),
                Scope::Subtree,
                &filter::or([filter::class(class::MAILBOX), filter::class(class::ALIAS)]),
                &[attr::OBJECT_CLASS, attr::QUOTA, attr::ADDRESS],
            )
            .await?;
        let mut tallies: BTreeMap<DomainName, Tally> = BTreeMap::new();
        for member in &members {
            let Some(address) = member.first(attr::ADDRESS) else {
                continue;
            };
            let Ok(address) = AliasAddress::parse(address) else {
                continue;
            };
            tallies
                .entry(address.domain().clone())
                .or_default()
                .add(member)?;
        }
        let mut by_target: BTreeMap<DomainName, Vec<DomainName>> = BTreeMap::new();
        let mut domains = Vec::new();
        for e in &found {
            if e.has_class(class::DOMAIN) {
                domains.push(entry::domain_from(e)?);
            } else {
                let a = entry::alias_domain_from(e)?;
                by_target.entry(a.target).or_default().push(a.name);
            }
        }
        for d in &mut domains {
            tallies.remove(&d.name).unwrap_or_default().apply(d);
            let mut names = by_target.remove(&d.name).unwrap_or_default();
            names.sort();
            d.alias_domains = names;
        }
        domains.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(domains)
    }

    /// Every alias domain, by name.
    pub async fn alias_domains(&self) -> Result<Vec<AliasDomain>> {
        let found = self
            .conn
            .search(
                &self.dit.domains(),
                Scope::OneLevel,
                &filter::class(class::ALIAS_DOMAIN),
                &ENTITY,
            )
            .await?;
        let mut all = found
            .iter()
            .map(entry::alias_domain_from)
            .collect::<Result<Vec<_>>>()?;
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    pub async fn mailbox(&self, address: &Address) -> Result<Option<Mailbox>> {
        self.entry(&self.dit.mailbox(address), class::MAILBOX)
            .await?
            .map(|e| entry::mailbox_from(&e))
            .transpose()
    }

    /// Mailboxes of one domain or all, by domain, then address.
    pub async fn mailboxes(&self, domain: Option<&DomainName>) -> Result<Vec<Mailbox>> {
        let found = self.members(domain, class::MAILBOX).await?;
        let mut all = found
            .iter()
            .map(entry::mailbox_from)
            .collect::<Result<Vec<_>>>()?;
        all.sort_by(|a, b| {
            (a.domain(), a.address.to_string()).cmp(&(b.domain(), b.address.to_string()))
        });
        Ok(all)
    }

    /// [`Reader::mailboxes`]' facts: only the attributes they need.
    pub async fn mailbox_facts(&self, domain: Option<&DomainName>) -> Result<Vec<MailboxFacts>> {
        let (base, scope) = match domain {
            Some(d) => (self.dit.domain(d), Scope::OneLevel),
            None => (self.dit.domains(), Scope::Subtree),
        };
        let found = self
            .conn
            .search(
                &base,
                scope,
                &filter::class(class::MAILBOX),
                &entry::FACTS_ATTRS,
            )
            .await?;
        let mut all = found
            .iter()
            .map(entry::mailbox_facts_from)
            .collect::<Result<Vec<_>>>()?;
        all.sort_by_cached_key(|m| (m.domain().clone(), m.address.to_string()));
        Ok(all)
    }

    pub async fn alias(&self, address: &AliasAddress) -> Result<Option<Alias>> {
        self.entry(&self.dit.alias(address), class::ALIAS)
            .await?
            .map(|e| entry::alias_from(&e))
            .transpose()
    }

    /// Aliases of one domain or all, by domain, catch-all first, then
    /// address.
    pub async fn aliases(&self, domain: Option<&DomainName>) -> Result<Vec<Alias>> {
        let found = self.members(domain, class::ALIAS).await?;
        let mut all = found
            .iter()
            .map(entry::alias_from)
            .collect::<Result<Vec<_>>>()?;
        all.sort_by_cached_key(|a| {
            (
                a.address.domain().clone(),
                !a.address.is_catch_all(),
                a.address.to_string(),
            )
        });
        Ok(all)
    }

    async fn members(&self, domain: Option<&DomainName>, class: &str) -> Result<Vec<Entry>> {
        let (base, scope) = match domain {
            Some(d) => (self.dit.domain(d), Scope::OneLevel),
            None => (self.dit.domains(), Scope::Subtree),
        };
        self.conn
            .search(&base, scope, &filter::class(class), &ENTITY)
            .await
    }

    /// Is `address` a mailbox or an alias (in its domain's entry)?
    pub async fn has_address(&self, address: &Address) -> Result<bool> {
        let found = self
            .conn
            .search(
                &self.dit.domain(address.domain()),
                Scope::OneLevel,
                &filter::and([
                    filter::or([filter::class(class::MAILBOX), filter::class(class::ALIAS)]),
                    filter::eq(attr::ADDRESS, &address.to_string()),
                ]),
                &["1.1"],
            )
            .await?;
        Ok(!found.is_empty())
    }

    /// The aliases that have `target` among their targets, by address.
    pub async fn aliases_targeting(&self, target: &Address) -> Result<Vec<Alias>> {
        let found = self
            .conn
            .search(
                &self.dit.domains(),
                Scope::Subtree,
                &filter::and([
                    filter::class(class::ALIAS),
                    filter::eq(attr::ALIAS_TARGET, &target.to_string()),
                ]),
                &ENTITY,
            )
            .await?;
        let mut all = found
            .iter()
            .map(entry::alias_from)
            .collect::<Result<Vec<_>>>()?;
        all.retain(|a| a.targets.contains(target));
        all.sort_by_cached_key(|a| a.address.to_string());
        Ok(all)
    }

    /// The domain entry, the domain's lease and the entries of the
    /// `rivals` (a class and an address each), read together (one search,
    /// so one consistent view): what changes that wrote without the lease
    /// check afterwards. The answer has one `rivalled` per rival asked.
    pub async fn settling(&self, name: &DomainName, rivals: &[Option<Wanted>]) -> Result<Settled> {
        let mut wanted = vec![
            filter::and([
                filter::class(class::DOMAIN),
                filter::eq(attr::ASSOCIATED_DOMAIN, name.as_ascii()),
            ]),
            filter::and([
                filter::class(class::LOCK),
                filter::eq(attr::CN, name.as_ascii()),
            ]),
        ];
        wanted.extend(rivals.iter().flatten().map(|w| {
            filter::and([
                filter::class(w.class),
                filter::eq(attr::ADDRESS, &w.address),
            ])
        }));
        let found = self
            .conn
            .search(
                self.dit.base(),
                Scope::Subtree,
                &filter::or(wanted),
                &ENTITY,
            )
            .await?;
        let dn = self.dit.domain(name);
        let lock_dn = self.dit.lock(name);
        let mut seen = Settled {
            domain: None,
            leased: false,
            rivalled: vec![false; rivals.len()],
        };
        for e in &found {
            if e.has_class(class::DOMAIN) && e.dn.eq_ignore_ascii_case(&dn) {
                seen.domain = Some(entry::domain_from(e)?);
            } else if e.has_class(class::LOCK) && e.dn.eq_ignore_ascii_case(&lock_dn) {
                seen.leased = true;
            } else if let Some(address) = e.first(attr::ADDRESS) {
                for (rivalled, wanted) in seen.rivalled.iter_mut().zip(rivals) {
                    if let Some(w) = wanted
                        && e.has_class(w.class)
                        && w.address.eq_ignore_ascii_case(address)
                    {
                        *rivalled = true;
                    }
                }
            }
        }
        Ok(seen)
    }
}

/// An entry a change that wrote must not meet: its class and address.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub class: &'static str,
    pub address: String,
}

/// What [`Reader::settling`] saw.
pub struct Settled {
    /// The hosted domain (without counts), if it still is one.
    pub domain: Option<Domain>,
    /// Another change holds the domain's lease.
    pub leased: bool,
    /// For each rival asked about: an entry of its class has its address.
    pub rivalled: Vec<bool>,
}

/// Counts of a domain's members.
#[derive(Default)]
struct Tally {
    mailboxes: u64,
    aliases: u64,
    allotted: u64,
}

impl Tally {
    fn add(&mut self, e: &Entry) -> Result<()> {
        if e.has_class(class::MAILBOX) {
            self.mailboxes += 1;
            self.allotted = self.allotted.saturating_add(e.size(attr::QUOTA)?.bytes());
        } else if e.has_class(class::ALIAS) {
            self.aliases += 1;
        }
        Ok(())
    }

    fn apply(self, d: &mut Domain) {
        d.mailboxes = self.mailboxes;
        d.aliases = self.aliases;
        d.allotted_quota = Size::from_stored(self.allotted.min(i64::MAX as u64) as i64);
    }
}
