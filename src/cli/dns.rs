//! `postier dns …`: the DNS self-check (`check`, exit codes 0/1/2/3 in the
//! monitoring-plugins way), the records to publish (`records`), the public
//! expectations file (`expectations`) and `check_host()` (`spf`).
//!
//! `dns check --expect FILE` reads no config and opens no directory: it
//! is how a domain's contact checks their zone.

use super::{Cli, output};
use crate::config::Config;
use crate::dns::spf::{SpfQuery, evaluate, evaluate_traced};
use crate::dns::{Expectations, Report, Resolver, authority, check_domains};
use crate::error::{Error, ErrorKind, Result};
use crate::i18n::{Lang, Msg};
use crate::model::DomainName;
use crate::ops::{self, Actor};
use clap::{Args, Subcommand};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct DnsArgs {
    /// Name server to ask, IP or IP:PORT (repeatable; default: [dns]
    /// nameservers in the config, else the system's).
    #[arg(long = "nameserver", value_name = "IP[:PORT]", global = true)]
    pub nameservers: Vec<String>,
    /// Seconds to wait for each answer (default: [dns] timeout, 3).
    #[arg(long, value_name = "SECONDS", global = true)]
    pub timeout: Option<f64>,
    #[command(subcommand)]
    pub command: DnsCmd,
}

#[derive(Debug, Subcommand)]
pub enum DnsCmd {
    /// Check that domains publish what the service expects. Exit code: 0 all
    /// ok, 1 some warning, 2 some failure, 3 some unknown and no failure.
    Check {
        /// Domains to check (default with --expect: the file's domain).
        domains: Vec<String>,
        /// Check every domain of the directory, alias domains included.
        #[arg(long, conflicts_with_all = ["domains", "expect"])]
        all: bool,
        /// Check against this expectations file (from `dns expectations`)
        /// instead of the config: needs no config and no directory.
        #[arg(long, value_name = "FILE")]
        expect: Option<PathBuf>,
        /// Ask each domain's own name servers (fresh answers, no cache) and
        /// report those that serve an older zone serial (check ns.serials).
        #[arg(long)]
        authoritative: bool,
        /// Port of the authoritative servers.
        #[arg(
            long,
            value_name = "PORT",
            default_value_t = 53,
            requires = "authoritative"
        )]
        ns_port: u16,
    },
    /// The zone-file lines DOMAIN should publish.
    Records { domain: String },
    /// What DOMAIN should publish, as the public JSON `dns check --expect`
    /// reads.
    Expectations { domain: String },
    /// The SPF check_host() result for a client address: pass, fail,
    /// softfail, neutral, none, permerror or temperror.
    Spf {
        domain: String,
        /// The SMTP client's address.
        #[arg(long, value_name = "IP")]
        ip: String,
        /// MAIL FROM address (default postmaster@DOMAIN).
        #[arg(long, value_name = "ADDR")]
        sender: Option<String>,
        /// HELO/EHLO name (default DOMAIN).
        #[arg(long, value_name = "NAME")]
        helo: Option<String>,
        /// Also print the evaluation tree: each record and mechanism, the
        /// names asked, what matched, the running lookup count.
        #[arg(long)]
        trace: bool,
    },
}

/// Runs a `dns` command. Needs no directory unless `check --all`.
pub async fn run(cli: &Cli, args: &DnsArgs) -> Result<ExitCode> {
    match &args.command {
        DnsCmd::Check {
            domains,
            all,
            expect,
            authoritative,
            ns_port,
        } => {
            let authoritative = authoritative.then_some(*ns_port);
            match check(cli, args, domains, *all, expect.as_deref(), authoritative).await {
                Ok(code) => Ok(code),
                // Could not check at all: UNKNOWN for monitoring.
                Err(e) if e.kind == ErrorKind::Unavailable => {
                    eprintln!("postier: {e}");
                    Ok(ExitCode::from(3))
                }
                Err(e) => Err(e),
            }
        }
        DnsCmd::Records { domain } => {
            let (config, domain) = config_and_domain(cli, domain)?;
            let lines: Vec<String> = ops::dns::expectations(&config, &domain)?
                .records()
                .iter()
                .map(ToString::to_string)
                .collect();
            if cli.json {
                output::json(&serde_json::json!({ "domain": domain, "records": lines }))?;
            } else {
                lines.iter().for_each(|l| println!("{l}"));
            }
            Ok(ExitCode::SUCCESS)
        }
        DnsCmd::Expectations { domain } => {
            let (config, domain) = config_and_domain(cli, domain)?;
            output::json(&ops::dns::expectations(&config, &domain)?)?;
            Ok(ExitCode::SUCCESS)
        }
        DnsCmd::Spf {
            domain,
            ip,
            sender,
            helo,
            trace,
        } => {
            // §4.3: a malformed domain is not a usage error; its result
            // is "none", as a receiver would find.
            let domain = DomainName::parse(domain)
                .map(|d| d.as_ascii().to_string())
                .unwrap_or_else(|_| domain.clone());
            let ip: IpAddr = ip.parse().map_err(|_| {
                Error::invalid(format!("address {ip:?}"), "is not an IPv4 or IPv6 address")
            })?;
            let config = Config::load(cli.config.as_deref())?;
            let resolver = resolver(&config, args)?;
            let query = SpfQuery {
                domain: &domain,
                ip,
                sender: sender.as_deref(),
                helo: helo.as_deref(),
            };
            let result = if *trace {
                evaluate_traced(&resolver, &query, Lang::from_env()).await
            } else {
                evaluate(&resolver, &query, None).await
            };
            if cli.json {
                output::json(&result)?;
            } else {
                for line in result.trace.iter().flatten() {
                    println!("{}{}", "  ".repeat(line.depth), line.text);
                }
                println!("{}", result.result);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The config, and `domain` once the caller may see it.
fn config_and_domain(cli: &Cli, domain: &str) -> Result<(Config, DomainName)> {
    let domain = DomainName::parse(domain)?;
    let config = Config::load(cli.config.as_deref())?;
    Actor::from_config(Actor::current_user(), &config.access)?.require_read(&domain)?;
    Ok((config, domain))
}

fn resolver(config: &Config, args: &DnsArgs) -> Result<Resolver> {
    Resolver::new(&ops::dns::resolver_options(
        &config.dns,
        &args.nameservers,
        args.timeout,
    )?)
}

/// Checks domains; `authoritative` is the port of the domains' own name
/// servers when they are to be asked directly.
async fn check(
    cli: &Cli,
    args: &DnsArgs,
    domains: &[String],
    all: bool,
    expect: Option<&std::path::Path>,
    authoritative: Option<u16>,
) -> Result<ExitCode> {
    let (config, expectations) = match expect {
        Some(file) => {
            // A contact's self-check: the file only, no config.
            let exp = Expectations::read(file)?;
            for d in domains {
                if DomainName::parse(d)? != exp.domain {
                    return Err(Error::invalid(
                        format!("domain {d}"),
                        format!("is not the domain of {} ({})", file.display(), exp.domain),
                    ));
                }
            }
            (Config::default(), vec![exp])
        }
        None => {
            let config = Config::load(cli.config.as_deref())?;
            let names = if all {
                // Alias domains receive mail too: their MX, SPF and DMARC
                // matter as much.
                let ops = super::Context::open(cli).await?.ops;
                let mut names: Vec<DomainName> =
                    ops.domains().await?.into_iter().map(|d| d.name).collect();
                names.extend(ops.alias_domains().await?.into_iter().map(|a| a.name));
                names.sort();
                names
            } else if domains.is_empty() {
                return Err(Error::invalid("dns check", "no domain given")
                    .with_hint("name domains, or use --all or --expect FILE"));
            } else {
                let actor = Actor::from_config(Actor::current_user(), &config.access)?;
                let mut names = Vec::new();
                for d in domains {
                    let name = DomainName::parse(d)?;
                    actor.require_read(&name)?;
                    names.push(name);
                }
                names
            };
            let exps = names
                .iter()
                .map(|d| ops::dns::expectations(&config, d))
                .collect::<Result<Vec<_>>>()?;
            (config, exps)
        }
    };
    let lang = Lang::from_env();
    let concurrency = config.dns.concurrency;
    let options = ops::dns::resolver_options(&config.dns, &args.nameservers, args.timeout)?;
    let report = match authoritative {
        Some(port) => {
            authority::check_domains(&options, &expectations, port, concurrency, lang).await?
        }
        None => check_domains(&Resolver::new(&options)?, &expectations, concurrency, lang).await,
    };
    if cli.json {
        output::json(&report)?;
    } else {
        print_report(&report, lang);
    }
    Ok(ExitCode::from(report.status().exit_code()))
}

fn print_report(report: &Report, lang: Lang) {
    for (i, domain) in report.domains.iter().enumerate() {
        if i > 0 {
            println!();
        }
        println!(
            "{}: {}",
            domain.domain.to_unicode(),
            domain.status.as_str().to_uppercase()
        );
        let mut rows = Vec::new();
        // Checks that failed for one cause (a name server that does not
        // answer) say it once, on one row naming them all.
        for group in domain
            .checks
            .chunk_by(|a, b| (a.status, &a.message, &a.fix) == (b.status, &b.message, &b.fix))
        {
            let check = &group[0];
            let ids = match group {
                [one] => one.id.clone(),
                [first, .., last] if group.len() > 2 => {
                    format!("{} … {} ({})", first.id, last.id, group.len())
                }
                _ => group
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            rows.push(vec![
                check.status.as_str().to_string(),
                ids,
                check.message.clone(),
            ]);
            for line in check.fix.iter().flat_map(|f| f.lines()) {
                rows.push(vec![String::new(), String::new(), format!("  → {line}")]);
            }
        }
        let header = [Msg::ColStatus, Msg::ColCheck, Msg::ColMessage];
        output::table(&header.map(|m| lang.t(m)), rows);
    }
}
