//! `postier domain …` and `postier domain alias …`.

use super::args::{AliasDomainCmd, DomainCmd, DomainLimits};
use super::{Context, output};
use crate::error::Result;
use crate::model::{Domain, DomainName, DomainPatch, DomainSettings, Size};

fn parse_size(s: &Option<String>) -> Result<Option<Size>> {
    s.as_deref().map(Size::parse).transpose()
}

pub async fn run(ctx: &Context, cmd: &DomainCmd) -> Result<()> {
    match cmd {
        DomainCmd::Add { domain, limits } => {
            let name = DomainName::parse(domain)?;
            let settings = DomainSettings {
                description: limits.description.clone().unwrap_or_default(),
                max_mailboxes: limits.max_mailboxes.unwrap_or(0),
                max_aliases: limits.max_aliases.unwrap_or(0),
                quota: parse_size(&limits.quota)?.unwrap_or_default(),
                default_quota: parse_size(&limits.default_quota)?.unwrap_or_default(),
            };
            let created = ctx.ops.add_domain(name, settings).await?;
            done(ctx, &created, "added")
        }
        DomainCmd::List => {
            let domains = ctx.ops.domains().await?;
            if ctx.json {
                return output::json(&domains);
            }
            let rows = domains
                .iter()
                .map(|d| {
                    vec![
                        d.name.to_unicode(),
                        output::yes_no(d.active),
                        output::of_limit(d.mailboxes, d.max_mailboxes),
                        output::of_limit(d.aliases, d.max_aliases),
                        quota_use(d),
                        d.description.clone(),
                    ]
                })
                .collect();
            output::table(
                &[
                    "DOMAIN",
                    "ACTIVE",
                    "MAILBOXES",
                    "ALIASES",
                    "QUOTA",
                    "DESCRIPTION",
                ],
                rows,
            );
            Ok(())
        }
        DomainCmd::Show { domain } => {
            let d = ctx.ops.domain(&DomainName::parse(domain)?).await?;
            show(ctx, &d)
        }
        DomainCmd::Edit {
            domain,
            limits,
            if_version,
        } => {
            let name = DomainName::parse(domain)?;
            let patch = patch_from(limits)?;
            let d = ctx.ops.edit_domain(name, patch, *if_version).await?;
            done(ctx, &d, "changed")
        }
        DomainCmd::Disable { domain } => {
            let d = ctx
                .ops
                .set_domain_active(DomainName::parse(domain)?, false)
                .await?;
            done(ctx, &d, "disabled")
        }
        DomainCmd::Enable { domain } => {
            let d = ctx
                .ops
                .set_domain_active(DomainName::parse(domain)?, true)
                .await?;
            done(ctx, &d, "enabled")
        }
        DomainCmd::Rm { domain, cascade } => {
            let name = DomainName::parse(domain)?;
            ctx.ops.remove_domain(name.clone(), *cascade).await?;
            removed(
                ctx,
                &format!("domain {}", name.to_unicode()),
                name.as_ascii(),
            )
        }
        DomainCmd::Alias(cmd) => alias_domain(ctx, cmd).await,
    }
}

async fn alias_domain(ctx: &Context, cmd: &AliasDomainCmd) -> Result<()> {
    match cmd {
        AliasDomainCmd::Add {
            alias_domain,
            target_domain,
        } => {
            let a = ctx
                .ops
                .add_alias_domain(
                    DomainName::parse(alias_domain)?,
                    DomainName::parse(target_domain)?,
                )
                .await?;
            if ctx.json {
                return output::json(&a);
            }
            println!(
                "alias domain {} added: mail to it goes to {}",
                a.name.to_unicode(),
                a.target.to_unicode()
            );
            Ok(())
        }
        AliasDomainCmd::List => {
            let all = ctx.ops.alias_domains().await?;
            if ctx.json {
                return output::json(&all);
            }
            let rows = all
                .iter()
                .map(|a| {
                    vec![
                        a.name.to_unicode(),
                        a.target.to_unicode(),
                        output::yes_no(a.active),
                    ]
                })
                .collect();
            output::table(&["ALIAS DOMAIN", "TARGET", "ACTIVE"], rows);
            Ok(())
        }
        AliasDomainCmd::Rm { alias_domain } => {
            let name = DomainName::parse(alias_domain)?;
            ctx.ops.remove_alias_domain(name.clone()).await?;
            removed(
                ctx,
                &format!("alias domain {}", name.to_unicode()),
                name.as_ascii(),
            )
        }
    }
}

fn patch_from(limits: &DomainLimits) -> Result<DomainPatch> {
    Ok(DomainPatch {
        description: limits.description.clone(),
        active: None,
        max_mailboxes: limits.max_mailboxes,
        max_aliases: limits.max_aliases,
        quota: parse_size(&limits.quota)?,
        default_quota: parse_size(&limits.default_quota)?,
    })
}

fn quota_use(d: &Domain) -> String {
    if d.quota.is_unlimited() {
        "no cap".to_string()
    } else {
        format!("{}/{}", d.allotted_quota.approx(), d.quota.human())
    }
}

fn show(ctx: &Context, d: &Domain) -> Result<()> {
    if ctx.json {
        return output::json(d);
    }
    let alias_domains = d
        .alias_domains
        .iter()
        .map(|a| a.to_unicode())
        .collect::<Vec<_>>()
        .join(", ");
    output::fields(&[
        ("domain", d.name.to_unicode()),
        ("a-label", d.name.as_ascii().to_string()),
        ("description", d.description.clone()),
        ("active", output::yes_no(d.active)),
        ("mailboxes", output::of_limit(d.mailboxes, d.max_mailboxes)),
        ("aliases", output::of_limit(d.aliases, d.max_aliases)),
        ("quota allotted", quota_use(d)),
        ("default quota", d.default_quota.human()),
        ("alias domains", alias_domains),
        ("created", d.created_at.clone()),
        ("updated", d.updated_at.clone()),
        ("version", d.version.to_string()),
    ]);
    Ok(())
}

fn done(ctx: &Context, d: &Domain, verb: &str) -> Result<()> {
    if ctx.json {
        return output::json(d);
    }
    println!("domain {} {verb}", d.name.to_unicode());
    Ok(())
}

/// Reports a removal: a sentence, or `{"removed": …}` with `--json`.
pub(super) fn removed(ctx: &Context, what: &str, key: &str) -> Result<()> {
    if ctx.json {
        return output::json(&serde_json::json!({ "removed": key }));
    }
    println!("{what} removed");
    Ok(())
}
