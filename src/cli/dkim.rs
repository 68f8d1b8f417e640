//! `postier dkim …`: generate a domain's key, show its selectors, rotate
//! it one safe step at a time, and render the signer tables. Keys live in
//! `[dkim] key_dir`; only admins change them.

use super::{Cli, output};
use crate::config::Config;
use crate::dkim::{Algorithm, KeyStore, StoredKey, tables};
use crate::dns::Resolver;
use crate::error::{Error, Result};
use crate::i18n::{Lang, Msg};
use crate::model::{DomainName, Selector};
use crate::ops::dkim::{Rotation, Step};
use crate::ops::{self, Actor};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DkimArgs {
    #[command(subcommand)]
    pub command: DkimCmd,
}

#[derive(Debug, Subcommand)]
pub enum DkimCmd {
    /// Make a signing key for DOMAIN and print the record to publish.
    Generate {
        domain: String,
        /// Selector (default: [dkim] default_selector).
        #[arg(long, value_name = "S")]
        selector: Option<String>,
        /// rsa2048 or ed25519.
        #[arg(long, value_name = "ALGORITHM", default_value = "rsa2048")]
        algorithm: String,
    },
    /// DOMAIN's selectors, their state and records.
    Show { domain: String },
    /// Advance DOMAIN's key rotation by one step: make a new key (publish
    /// it), then once DNS shows it, switch signing to it; the old key is
    /// removed after [dkim] grace_days.
    Rotate {
        domain: String,
        /// Selector of the new key (default: the next one, s1 → s2).
        #[arg(long, value_name = "S")]
        selector: Option<String>,
        /// Algorithm of the new key (default: the current key's).
        #[arg(long, value_name = "ALGORITHM")]
        algorithm: Option<String>,
        /// Name server to ask whether the new key is published.
        #[arg(long = "nameserver", value_name = "IP[:PORT]")]
        nameservers: Vec<String>,
    },
    /// Write the signer's tables for every domain's active keys.
    Tables {
        #[arg(long, value_enum)]
        format: SignerFormat,
        /// Directory to write the files into (default: print them).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SignerFormat {
    /// KeyTable and SigningTable.
    Opendkim,
    /// dkim_signing selector and path maps.
    Rspamd,
}

pub async fn run(cli: &Cli, args: &DkimArgs) -> Result<()> {
    let lang = Lang::from_env();
    let config = Config::load(cli.config.as_deref())?;
    let actor = Actor::from_config(Actor::current_user(), &config.access)?;
    let store = ops::dns::key_store(&config);
    match &args.command {
        DkimCmd::Generate {
            domain,
            selector,
            algorithm,
        } => {
            let domain = DomainName::parse(domain)?;
            let selector = selector.as_deref().map(Selector::parse).transpose()?;
            let ctx = super::Context::open(cli).await?;
            let key = ops::dkim::generate(
                &config,
                &ctx.ops,
                &domain,
                selector,
                Algorithm::parse(algorithm)?,
            )
            .await?;
            print_key(cli, lang, &store, &domain, &key, Msg::CliDkimMade)
        }
        DkimCmd::Show { domain } => {
            let domain = DomainName::parse(domain)?;
            actor.require_read(&domain)?;
            let keys = store.keys(&domain)?;
            if cli.json {
                let list: Vec<_> = keys.iter().map(|k| key_json(&store, &domain, k)).collect();
                return output::json(&json!({ "domain": domain, "keys": list }));
            }
            if keys.is_empty() {
                return Err(Error::not_found(format!("DKIM keys of {domain}"))
                    .with_hint(format!("make one: postier dkim generate {domain}")));
            }
            let rows = keys
                .iter()
                .map(|k| {
                    vec![
                        k.selector.to_string(),
                        k.algorithm.tag().to_string(),
                        k.state.as_str().to_string(),
                        k.created.format("%Y-%m-%d").to_string(),
                        k.retire_after
                            .map(|t| t.format("%Y-%m-%d").to_string())
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            let header = [
                Msg::ColSelector,
                Msg::ColAlgorithm,
                Msg::ColState,
                Msg::ColCreated,
                Msg::ColRetireAfter,
            ];
            output::table(&header.map(|m| lang.t(m)), rows);
            println!();
            for k in &keys {
                println!("{}", ops::dns::expected_key(k).zone_line(&domain));
            }
            Ok(())
        }
        DkimCmd::Rotate {
            domain,
            selector,
            algorithm,
            nameservers,
        } => {
            let domain = DomainName::parse(domain)?;
            let selector = selector.as_deref().map(Selector::parse).transpose()?;
            let algorithm = algorithm.as_deref().map(Algorithm::parse).transpose()?;
            let options = ops::dns::resolver_options(&config.dns, nameservers, None)?;
            let resolver = Resolver::new(&options)?;
            let rotation =
                ops::dkim::rotate(&config, &actor, &domain, selector, algorithm, &resolver).await?;
            print_rotation(cli, lang, &store, &domain, rotation)
        }
        DkimCmd::Tables { format, out } => {
            actor.require_admin("DKIM signer tables")?;
            let dir = out.clone().unwrap_or_else(|| store.root().to_path_buf());
            let files = match format {
                SignerFormat::Opendkim => tables::opendkim(&store)?,
                SignerFormat::Rspamd => tables::rspamd(&store, &dir)?,
            };
            match out {
                Some(dir) => {
                    create_tables_dir(dir)?;
                    for (name, content) in &files {
                        let path = dir.join(name);
                        std::fs::write(&path, content).map_err(|e| {
                            Error::unavailable(path.display().to_string(), e.to_string())
                        })?;
                        println!(
                            "{}",
                            lang.fmt(Msg::CliWrote, &[&path.display().to_string()])
                        );
                    }
                }
                None => {
                    for (name, content) in &files {
                        println!("# {name}");
                        print!("{content}");
                    }
                }
            }
            Ok(())
        }
    }
}

/// Reports one rotation step.
fn print_rotation(
    cli: &Cli,
    lang: Lang,
    store: &KeyStore,
    domain: &DomainName,
    rotation: Rotation,
) -> Result<()> {
    for gone in &rotation.retired {
        let selector = gone.selector.to_string();
        eprintln!(
            "{}",
            lang.fmt(Msg::CliDkimRetired, &[&selector, &domain.to_unicode()])
        );
    }
    let (active, retiring) = match rotation.step {
        Step::Started(key) => {
            return print_key(cli, lang, store, domain, &key, Msg::CliDkimPending);
        }
        Step::Switched { active, retiring } => (active, retiring),
    };
    if cli.json {
        return output::json(&json!({
            "domain": domain,
            "active": key_json(store, domain, &active),
            "retiring": retiring.iter().map(|k| key_json(store, domain, k)).collect::<Vec<_>>(),
        }));
    }
    let selector = active.selector.to_string();
    println!(
        "{}",
        lang.fmt(Msg::CliDkimSwitched, &[&selector, &domain.to_unicode()])
    );
    for k in retiring {
        let until = k
            .retire_after
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        println!(
            "{}",
            lang.fmt(Msg::CliDkimRetiring, &[k.selector.as_str(), &until])
        );
    }
    Ok(())
}

/// The signer tables' folder, made (0750, as a signer's config folder is)
/// when it is not there yet.
fn create_tables_dir(dir: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o750)
        .create(dir)
        .map_err(|e| {
            Error::unavailable(dir.display().to_string(), format!("cannot create it: {e}"))
        })
}

fn key_json(store: &KeyStore, domain: &DomainName, key: &StoredKey) -> serde_json::Value {
    let expected = ops::dns::expected_key(key);
    json!({
        "selector": key.selector,
        "algorithm": key.algorithm,
        "state": key.state,
        "created": key.created,
        "retire_after": key.retire_after,
        "key_file": store.key_path(domain, &key.selector),
        "record_name": expected.record_name(domain),
        "record_value": expected.record_value(),
    })
}

fn print_key(
    cli: &Cli,
    lang: Lang,
    store: &KeyStore,
    domain: &DomainName,
    key: &StoredKey,
    msg: Msg,
) -> Result<()> {
    if cli.json {
        return output::json(&key_json(store, domain, key));
    }
    let path = store.key_path(domain, &key.selector).display().to_string();
    let shown = domain.to_unicode();
    let args = [key.selector.as_str(), key.algorithm.tag(), &shown, &path];
    println!("{}", lang.fmt(msg, &args));
    println!("{}", lang.t(Msg::CliPublish));
    println!("{}", ops::dns::expected_key(key).zone_line(domain));
    Ok(())
}
