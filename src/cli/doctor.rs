//! `postier doctor`: prints the doctor's findings ([`crate::doctor`]), one
//! line each with its fix below, in the reader's language, or as JSON
//! (English); exits with the worst state.

use super::args::{Cli, DoctorArgs};
use super::output;
use crate::config::Config;
use crate::doctor::{self, Places};
use crate::error::Result;
use crate::i18n::{Lang, Msg, colon};
use std::process::ExitCode;

pub async fn run(cli: &Cli, args: &DoctorArgs) -> Result<ExitCode> {
    let config = Config::load(cli.config.as_deref())?;
    let url = config.directory_url(cli.directory.as_deref());
    let monitor = super::monitor::open_monitor(cli, config.clone()).await?;
    let places = Places {
        postfix: args.postfix_config.clone(),
        dovecot: args.dovecot_config.clone(),
    };
    let findings = doctor::examine(&config, url, &monitor, &places, !args.no_dns).await;
    let worst = doctor::worst(&findings);
    if cli.json {
        output::json(&serde_json::json!({
            "status": worst.as_str(),
            "findings": findings,
        }))?;
    } else {
        let lang = Lang::from_env();
        let label = lang.t(Msg::DoctorFixLabel);
        for f in &findings {
            println!("{:<8} {:<10} {}", f.state.as_str(), f.id, f.text_in(lang));
            if let Some(fix) = f.fix_in(lang) {
                println!("{:<19} {label}{} {fix}", "", colon(lang));
            }
        }
    }
    Ok(ExitCode::from(worst.exit_code()))
}
