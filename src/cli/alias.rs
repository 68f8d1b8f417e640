//! `postier alias …`: aliases and catch-alls (`@domain`).

use super::args::AliasCmd;
use super::domain::removed;
use super::{Context, output};
use crate::error::Result;
use crate::i18n::Msg;
use crate::model::{Address, Alias, AliasAddress, AliasPatch, DomainName};

fn targets(list: &[String]) -> Result<Vec<Address>> {
    list.iter().map(|t| Address::parse(t)).collect()
}

pub async fn run(ctx: &Context, cmd: &AliasCmd) -> Result<()> {
    match cmd {
        AliasCmd::Add {
            address,
            targets: t,
        } => {
            let a = ctx
                .ops
                .add_alias(AliasAddress::parse(address)?, targets(t)?)
                .await?;
            report(ctx, &a, Msg::DoneAdded)
        }
        AliasCmd::List { domain, target } => {
            let domain = domain.as_deref().map(DomainName::parse).transpose()?;
            let mut all = match target {
                // Who forwards to it, in every domain.
                Some(target) => ctx.ops.aliases_targeting(&Address::parse(target)?).await?,
                None => ctx.ops.aliases(domain.as_ref()).await?,
            };
            if let (Some(_), Some(d)) = (target, &domain) {
                all.retain(|a| a.address.domain() == d);
            }
            if ctx.json {
                return output::json(&all);
            }
            let l = ctx.lang;
            let rows = all
                .iter()
                .map(|a| vec![shown(&a.address), joined(a), output::on_off(l, a.active)])
                .collect();
            let header = [Msg::ColAddress, Msg::ColTargets, Msg::ColActive];
            output::table(&header.map(|m| l.t(m)), rows);
            Ok(())
        }
        AliasCmd::Show { address } => {
            let a = ctx.ops.alias(&AliasAddress::parse(address)?).await?;
            if ctx.json {
                return output::json(&a);
            }
            let l = ctx.lang;
            let key = |m| output::key(l, m);
            output::fields(&[
                (key(Msg::ColAddress), shown(&a.address)),
                (
                    key(Msg::ShowCatchAll),
                    output::on_off(l, a.address.is_catch_all()),
                ),
                (key(Msg::ColTargets), joined(&a)),
                (key(Msg::ColActive), output::on_off(l, a.active)),
                (key(Msg::ShowCreated), a.created_at.clone()),
                (key(Msg::ShowUpdated), a.updated_at.clone()),
                (key(Msg::ShowVersion), a.version.to_string()),
            ]);
            Ok(())
        }
        AliasCmd::Edit {
            address,
            add,
            remove,
            if_version,
        } => {
            let patch = AliasPatch {
                add_targets: targets(add)?,
                remove_targets: targets(remove)?,
                active: None,
            };
            let a = ctx
                .ops
                .edit_alias(AliasAddress::parse(address)?, patch, *if_version)
                .await?;
            report(ctx, &a, Msg::DoneChanged)
        }
        AliasCmd::Disable { address } | AliasCmd::Enable { address } => {
            let active = matches!(cmd, AliasCmd::Enable { .. });
            let patch = AliasPatch {
                active: Some(active),
                ..Default::default()
            };
            let a = ctx
                .ops
                .edit_alias(AliasAddress::parse(address)?, patch, None)
                .await?;
            report(
                ctx,
                &a,
                if active {
                    Msg::DoneEnabled
                } else {
                    Msg::DoneDisabled
                },
            )
        }
        AliasCmd::Rm { address } => {
            let address = AliasAddress::parse(address)?;
            ctx.ops.remove_alias(address.clone()).await?;
            removed(ctx, Msg::ObjAlias, &shown(&address), &address.to_string())
        }
    }
}

/// An alias address as people write it (U-labels).
fn shown(address: &AliasAddress) -> String {
    crate::model::unicode_names(&address.to_string())
}

fn joined(a: &Alias) -> String {
    a.targets
        .iter()
        .map(Address::to_unicode)
        .collect::<Vec<_>>()
        .join(", ")
}

fn report(ctx: &Context, a: &Alias, msg: Msg) -> Result<()> {
    if ctx.json {
        return output::json(a);
    }
    output::done(
        ctx.lang,
        msg,
        Msg::ObjAlias,
        &format!("{} → {}", shown(&a.address), joined(a)),
    );
    Ok(())
}
