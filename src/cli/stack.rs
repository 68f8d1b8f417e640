//! `postier stack render`: writes the Postfix and Dovecot files for the
//! configured directory and lists them, never their contents (they hold
//! credentials).

use super::args::{Cli, StackCmd};
use super::output;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::i18n::{Lang, Msg};
use crate::ops::Actor;
use crate::stack::{self, Stack};

pub fn run(cli: &Cli, cmd: &StackCmd) -> Result<()> {
    let StackCmd::Render { stack: name, out } = cmd;
    let config = Config::load(cli.config.as_deref())?;
    // The files carry the directory's credentials: admins only.
    Actor::from_config(Actor::current_user(), &config.access)?.require_admin("stack render")?;
    let stack: Stack = name.parse()?;
    let out = std::path::absolute(out)
        .map_err(|e| Error::invalid(format!("--out {}", out.display()), e.to_string()))?;
    let url = match &config.stack.lookup_url {
        Some(url) => url.clone(),
        None => config.directory_url(cli.directory.as_deref())?,
    };
    let directory = config
        .stack
        .lookup_directory(config.directory.clone().with_env())?;
    let backend = stack::Backend::resolve(&url, &directory)?;
    let rendering = stack::render(stack, &config.stack, &backend, &out)?;
    let written = stack::write(&out, &rendering)?;
    if cli.json {
        return output::json(&serde_json::json!({
            "stack": stack.name(),
            "backend": rendering.backend,
            "out": out,
            "files": written,
        }));
    }
    let l = Lang::from_env();
    println!(
        "{}",
        l.fmt(
            Msg::CliRendered,
            &[stack.name(), rendering.backend, &out.display().to_string()]
        )
    );
    let rows = written
        .iter()
        .map(|w| {
            vec![
                format!("{:04o}", w.mode),
                w.group.clone().unwrap_or_else(|| "-".into()),
                w.path.display().to_string(),
            ]
        })
        .collect();
    output::table(
        &[l.t(Msg::ColMode), l.t(Msg::ColGroup), l.t(Msg::ColFile)],
        rows,
    );
    for w in written.iter().filter_map(|w| w.warning.as_ref()) {
        println!("{}", l.fmt(Msg::CliWarning, &[w]));
    }
    let readme = out.join("README").display().to_string();
    println!("{}", l.fmt(Msg::CliNextReadme, &[&readme]));
    Ok(())
}
