//! `postier domain …` and `postier domain alias …`.

use super::args::{AliasDomainCmd, DomainCmd, DomainLimits};
use super::{Context, output};
use crate::error::Result;
use crate::i18n::Msg;
use crate::model::{
    AliasDomain, AliasDomainPatch, Domain, DomainName, DomainPatch, DomainSettings, Size,
};

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
            let asked_default = settings.default_quota;
            let created = ctx.ops.add_domain(name, settings).await?;
            if created.default_quota != asked_default {
                eprintln!(
                    "postier: {}",
                    ctx.lang.fmt(
                        Msg::CliDefaultQuotaShared,
                        &[
                            &created.default_quota.human(),
                            &created.quota.human(),
                            &created.max_mailboxes.to_string()
                        ]
                    )
                );
            }
            done(ctx, &created, Msg::DoneAdded)
        }
        DomainCmd::List => {
            let domains = ctx.ops.domains().await?;
            if ctx.json {
                return output::json(&domains);
            }
            let l = ctx.lang;
            let rows = domains
                .iter()
                .map(|d| {
                    vec![
                        d.name.to_unicode(),
                        output::on_off(l, d.active),
                        output::of_limit(d.mailboxes, d.max_mailboxes),
                        output::of_limit(d.aliases, d.max_aliases),
                        quota_use(ctx, d),
                        d.description.clone(),
                    ]
                })
                .collect();
            let header = [
                Msg::ColDomain,
                Msg::ColActive,
                Msg::ColMailboxes,
                Msg::ColAliases,
                Msg::ColQuotaUse,
                Msg::ColDescription,
            ];
            output::table(&header.map(|m| l.t(m)), rows);
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
            done(ctx, &d, Msg::DoneChanged)
        }
        DomainCmd::Disable { domain } => {
            let d = ctx
                .ops
                .set_domain_active(DomainName::parse(domain)?, false)
                .await?;
            done(ctx, &d, Msg::DoneDisabled)
        }
        DomainCmd::Enable { domain } => {
            let d = ctx
                .ops
                .set_domain_active(DomainName::parse(domain)?, true)
                .await?;
            done(ctx, &d, Msg::DoneEnabled)
        }
        DomainCmd::Rm {
            domain,
            cascade,
            dry_run,
        } => {
            let name = DomainName::parse(domain)?;
            if *dry_run {
                let removal = ctx.ops.domain_removal_preview(&name, *cascade).await?;
                if ctx.json {
                    return output::json(&serde_json::json!({
                        "would_remove": name.as_ascii(),
                        "with": removal,
                    }));
                }
                for (label, shown) in removal_lines(&removal) {
                    println!(
                        "{}",
                        ctx.lang.fmt(Msg::WouldRemove, &[ctx.lang.t(label), &shown])
                    );
                }
                println!(
                    "{}",
                    ctx.lang.fmt(
                        Msg::WouldRemove,
                        &[ctx.lang.t(Msg::ObjDomain), &name.to_unicode()]
                    )
                );
                return Ok(());
            }
            let removal = ctx.ops.remove_domain(name.clone(), *cascade).await?;
            // Its keys leave the signer tables (they stay published a while).
            crate::ops::dkim::retire_domain(&ctx.config, ctx.ops.actor(), &name)?;
            if ctx.json {
                return output::json(&serde_json::json!({
                    "removed": name.as_ascii(),
                    "with": removal,
                }));
            }
            for (label, shown) in removal_lines(&removal) {
                output::done(ctx.lang, Msg::DoneRemoved, label, &shown);
            }
            removed(ctx, Msg::ObjDomain, &name.to_unicode(), name.as_ascii())
        }
        DomainCmd::Alias(cmd) => alias_domain(ctx, cmd).await,
    }
}

/// Each object a domain's removal takes, as people write it.
fn removal_lines(removal: &crate::model::DomainRemoval) -> Vec<(Msg, String)> {
    let mailboxes = removal
        .mailboxes
        .iter()
        .map(|a| (Msg::ObjMailbox, a.to_unicode()));
    let aliases = removal
        .aliases
        .iter()
        .map(|a| (Msg::ObjAlias, crate::model::unicode_names(&a.to_string())));
    let alias_domains = removal
        .alias_domains
        .iter()
        .map(|d| (Msg::ObjAliasDomain, d.to_unicode()));
    mailboxes.chain(aliases).chain(alias_domains).collect()
}

async fn alias_domain(ctx: &Context, cmd: &AliasDomainCmd) -> Result<()> {
    let l = ctx.lang;
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
            alias_domain_done(ctx, &a, Msg::DoneAdded)
        }
        AliasDomainCmd::Show { alias_domain } => {
            let a = ctx
                .ops
                .alias_domain(&DomainName::parse(alias_domain)?)
                .await?;
            if ctx.json {
                return output::json(&a);
            }
            let key = |m| output::key(l, m);
            output::fields(&[
                (key(Msg::ColAliasDomain), a.name.to_unicode()),
                (key(Msg::ColTarget), a.target.to_unicode()),
                (key(Msg::ColActive), output::on_off(l, a.active)),
                (key(Msg::ShowVersion), a.version.to_string()),
            ]);
            Ok(())
        }
        AliasDomainCmd::Edit {
            alias_domain,
            target,
            if_version,
        } => {
            let patch = AliasDomainPatch {
                target: Some(DomainName::parse(target)?),
                active: None,
            };
            let a = ctx
                .ops
                .edit_alias_domain(DomainName::parse(alias_domain)?, patch, *if_version)
                .await?;
            alias_domain_done(ctx, &a, Msg::DoneChanged)
        }
        AliasDomainCmd::Disable { alias_domain } | AliasDomainCmd::Enable { alias_domain } => {
            let on = matches!(cmd, AliasDomainCmd::Enable { .. });
            let a = ctx
                .ops
                .set_alias_domain_active(DomainName::parse(alias_domain)?, on)
                .await?;
            let verb = if on {
                Msg::DoneEnabled
            } else {
                Msg::DoneDisabled
            };
            alias_domain_done(ctx, &a, verb)
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
                        output::on_off(l, a.active),
                    ]
                })
                .collect();
            output::table(
                &[
                    l.t(Msg::ColAliasDomain),
                    l.t(Msg::ColTarget),
                    l.t(Msg::ColActive),
                ],
                rows,
            );
            Ok(())
        }
        AliasDomainCmd::Rm { alias_domain } => {
            let name = DomainName::parse(alias_domain)?;
            ctx.ops.remove_alias_domain(name.clone()).await?;
            removed(
                ctx,
                Msg::ObjAliasDomain,
                &name.to_unicode(),
                name.as_ascii(),
            )
        }
    }
}

fn alias_domain_done(ctx: &Context, a: &AliasDomain, verb: Msg) -> Result<()> {
    if ctx.json {
        return output::json(a);
    }
    let shown = format!("{} → {}", a.name.to_unicode(), a.target.to_unicode());
    output::done(ctx.lang, verb, Msg::ObjAliasDomain, &shown);
    Ok(())
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

fn quota_use(ctx: &Context, d: &Domain) -> String {
    if d.quota.is_unlimited() {
        ctx.lang.t(Msg::NoCap).to_string()
    } else {
        format!("{}/{}", d.allotted_quota.approx(), d.quota.human())
    }
}

fn show(ctx: &Context, d: &Domain) -> Result<()> {
    if ctx.json {
        return output::json(d);
    }
    let l = ctx.lang;
    let key = |m| output::key(l, m);
    let alias_domains = d
        .alias_domains
        .iter()
        .map(|a| a.to_unicode())
        .collect::<Vec<_>>()
        .join(", ");
    let default_quota = if d.default_quota.is_unlimited() {
        l.t(Msg::Unlimited).to_string()
    } else {
        d.default_quota.human()
    };
    output::fields(&[
        (key(Msg::ColDomain), d.name.to_unicode()),
        (key(Msg::ShowALabel), d.name.as_ascii().to_string()),
        (key(Msg::ColDescription), d.description.clone()),
        (key(Msg::ColActive), output::on_off(l, d.active)),
        (
            key(Msg::ColMailboxes),
            output::of_limit(d.mailboxes, d.max_mailboxes),
        ),
        (
            key(Msg::ColAliases),
            output::of_limit(d.aliases, d.max_aliases),
        ),
        (key(Msg::ColQuotaUse), quota_use(ctx, d)),
        (key(Msg::ShowDefaultQuota), default_quota),
        (key(Msg::TabAliasDomains), alias_domains),
        (key(Msg::ShowCreated), d.created_at.clone()),
        (key(Msg::ShowUpdated), d.updated_at.clone()),
        (key(Msg::ShowVersion), d.version.to_string()),
    ]);
    Ok(())
}

fn done(ctx: &Context, d: &Domain, msg: Msg) -> Result<()> {
    if ctx.json {
        return output::json(d);
    }
    output::done(ctx.lang, msg, Msg::ObjDomain, &d.name.to_unicode());
    Ok(())
}

/// Reports a removal: a sentence, or `{"removed": …}` with `--json`.
pub(super) fn removed(ctx: &Context, object: Msg, shown: &str, key: &str) -> Result<()> {
    if ctx.json {
        return output::json(&serde_json::json!({ "removed": key }));
    }
    output::done(ctx.lang, Msg::DoneRemoved, object, shown);
    Ok(())
}
