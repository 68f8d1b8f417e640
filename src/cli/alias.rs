//! `postier alias …`: aliases and catch-alls (`@domain`).

use super::args::AliasCmd;
use super::domain::removed;
use super::{Context, output};
use crate::error::Result;
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
            report(ctx, &a, "added")
        }
        AliasCmd::List { domain } => {
            let domain = domain.as_deref().map(DomainName::parse).transpose()?;
            let all = ctx.ops.aliases(domain.as_ref()).await?;
            if ctx.json {
                return output::json(&all);
            }
            let rows = all
                .iter()
                .map(|a| vec![a.address.to_string(), joined(a), output::yes_no(a.active)])
                .collect();
            output::table(&["ALIAS", "TARGETS", "ACTIVE"], rows);
            Ok(())
        }
        AliasCmd::Show { address } => {
            let a = ctx.ops.alias(&AliasAddress::parse(address)?).await?;
            if ctx.json {
                return output::json(&a);
            }
            output::fields(&[
                ("alias", a.address.to_string()),
                ("catch-all", output::yes_no(a.address.is_catch_all())),
                ("targets", joined(&a)),
                ("active", output::yes_no(a.active)),
                ("created", a.created_at.clone()),
                ("updated", a.updated_at.clone()),
                ("version", a.version.to_string()),
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
            report(ctx, &a, "changed")
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
            report(ctx, &a, if active { "enabled" } else { "disabled" })
        }
        AliasCmd::Rm { address } => {
            let address = AliasAddress::parse(address)?;
            ctx.ops.remove_alias(address.clone()).await?;
            removed(ctx, &format!("alias {address}"), &address.to_string())
        }
    }
}

fn joined(a: &Alias) -> String {
    a.targets
        .iter()
        .map(Address::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn report(ctx: &Context, a: &Alias, verb: &str) -> Result<()> {
    if ctx.json {
        return output::json(a);
    }
    println!("alias {} {verb} -> {}", a.address, joined(a));
    Ok(())
}
