//! `postier import` and `postier export`: reads the files, draws the plan
//! (lines for people, one JSON document with `--json`), writes the private
//! files (generated passwords, saved plans, exports with hashes) and maps
//! the outcome to the exit codes of SPEC.md.

use super::args::{ExportArgs, ExportFormatArg, ImportArgs};
use super::{Context, EXIT_USAGE, output};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::import::{self, SavedPlan, format, plan::Plan, rows::RowError};
use crate::model::DomainName;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// `--plan --detailed-exitcode` when changes are pending.
const EXIT_PENDING: u8 = 4;

pub async fn run(ctx: &Context, args: &ImportArgs) -> Result<ExitCode> {
    if let Some(path) = &args.apply_plan {
        return apply_saved(ctx, path).await;
    }
    if args.files.is_empty() && args.from.is_empty() {
        return Err(Error::invalid("import", "no file given")
            .with_hint("name the YAML or CSV files to import, or --from KIND:SOURCE"));
    }
    let prune = args
        .prune
        .iter()
        .map(|d| DomainName::parse(d))
        .collect::<Result<Vec<_>>>()?;
    let mut files = Vec::new();
    for path in &args.files {
        files.push((path.display().to_string(), read_text(path)?));
    }
    let peers = args
        .from
        .iter()
        .map(|f| import::peers::Peer::parse(f))
        .collect::<Result<Vec<_>>>()?;
    let (desired, mut errors) = import::read_all(&files, &peers).await?;
    if errors.is_empty() && desired.wants_generated() && args.passwords_out.is_none() && !args.plan
    {
        return Err(Error::invalid(
            "--passwords-out",
            "is needed: some rows say password: generate",
        )
        .with_hint(
            "add --passwords-out FILE; the passwords go there (0600), never to the screen",
        ));
    }
    let current = import::current(&ctx.ops).await?;
    for d in &prune {
        if !current.domains.contains_key(d) && !desired.domains.iter().any(|r| &r.name == d) {
            return Err(crate::directory::rules::not_found_domain(d)
                .about(format!("--prune {d}"))
                .with_why(format!(
                    "domain {d} is neither in the files nor in the directory"
                )));
        }
    }
    let bar = super::progress_bar::Bar::on_stderr();
    let progress = bar.reporter();
    let plan = match import::make_plan(&current, &desired, &prune, &progress).await {
        Ok(p) if errors.is_empty() => p,
        Ok(_) => {
            bar.finish();
            return Ok(bad_rows(ctx, &errors));
        }
        Err(more) => {
            bar.finish();
            errors.extend(more);
            return Ok(bad_rows(ctx, &errors));
        }
    };
    if args.plan {
        bar.finish();
        show_plan(ctx, &plan, false)?;
        let code = if args.detailed_exitcode && !plan.is_empty() {
            EXIT_PENDING
        } else {
            0
        };
        return Ok(ExitCode::from(code));
    }
    if let Some(out) = &args.plan_out {
        let ready = import::prepare(&plan, ctx.ops.scheme(), &progress).await?;
        bar.finish();
        write_passwords(ctx, args.passwords_out.as_deref(), &ready.generated)?;
        let saved = SavedPlan::new(&plan, &ready, ctx.ops.directory().describe());
        let text = serde_json::to_string_pretty(&saved)
            .map_err(|e| Error::unavailable("plan", e.to_string()))?;
        write_private(out, &text)?;
        show_plan(ctx, &plan, false)?;
        if !ctx.json {
            let shown = out.display().to_string();
            eprintln!("{}", ctx.lang.fmt(Msg::ImportPlanSaved, &[&shown, &shown]));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if plan.is_empty() {
        bar.finish();
        show_plan(ctx, &plan, true)?;
        return Ok(ExitCode::SUCCESS);
    }
    let ready = import::prepare(&plan, ctx.ops.scheme(), &progress).await?;
    // The passwords are written before the mailboxes exist: once applied,
    // a lost password file could not be made again.
    let passwords = args.passwords_out.as_deref();
    write_passwords(ctx, passwords, &ready.generated)?;
    let applied = import::apply(&ctx.ops, &ready.changes, &*progress).await;
    bar.finish();
    if let Err(e) = applied {
        if ctx.ops.directory().atomic_batches()
            && let Some(path) = passwords.filter(|_| !ready.generated.is_empty())
        {
            let _ = std::fs::remove_file(path);
        }
        return Err(e);
    }
    show_plan(ctx, &plan, true)?;
    Ok(ExitCode::SUCCESS)
}

/// `--apply-plan FILE`: refuses a plan whose objects changed since.
async fn apply_saved(ctx: &Context, path: &Path) -> Result<ExitCode> {
    let shown = path.display().to_string();
    let saved = SavedPlan::parse(&shown, &read_text(path)?)?;
    saved.check_fresh(&ctx.ops).await?;
    let changes: Vec<_> = saved.steps.iter().map(|s| s.change.clone()).collect();
    let bar = super::progress_bar::Bar::on_stderr();
    let applied = import::apply(&ctx.ops, &changes, &*bar.reporter()).await;
    bar.finish();
    applied?;
    let count = |op| {
        saved
            .steps
            .iter()
            .filter(|s| s.op == op)
            .count()
            .to_string()
    };
    use crate::import::plan::Op;
    if ctx.json {
        let changes: Vec<_> = saved
            .steps
            .iter()
            .map(|s| serde_json::json!({"op": s.op, "kind": s.kind, "object": s.object, "fields": s.fields}))
            .collect();
        output::json(&serde_json::json!({
            "changes": changes,
            "summary": {"add": saved.steps.iter().filter(|s| s.op == Op::Add).count(),
                        "change": saved.steps.iter().filter(|s| s.op == Op::Change).count(),
                        "remove": saved.steps.iter().filter(|s| s.op == Op::Remove).count(),
                        "unchanged": saved.unchanged},
            "applied": true,
        }))?;
    } else if !output::quiet() {
        for s in &saved.steps {
            println!("{}", s.line);
        }
        println!(
            "{}",
            ctx.lang.fmt(
                Msg::ImportApplied,
                &[
                    &count(Op::Add),
                    &count(Op::Change),
                    &count(Op::Remove),
                    &saved.unchanged.to_string()
                ]
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The plan's lines and summary, or its JSON document.
fn show_plan(ctx: &Context, plan: &Plan, applied: bool) -> Result<()> {
    let s = plan.summary();
    if ctx.json {
        let mut doc = plan.to_json();
        if let serde_json::Value::Object(map) = &mut doc {
            map.insert("applied".into(), applied.into());
        }
        return output::json(&doc);
    }
    if applied && output::quiet() {
        return Ok(());
    }
    // One write for the lines of a large plan, not one per line.
    let mut lines = String::with_capacity(plan.steps.len() * 48);
    for step in &plan.steps {
        lines.push_str(&step.line());
        lines.push('\n');
    }
    print!("{lines}");
    let n = |v: u64| v.to_string();
    let line = if plan.is_empty() {
        ctx.lang.fmt(Msg::ImportNothing, &[&n(s.unchanged)])
    } else {
        let msg = if applied {
            Msg::ImportApplied
        } else {
            Msg::ImportSummary
        };
        ctx.lang.fmt(
            msg,
            &[&n(s.add), &n(s.change), &n(s.remove), &n(s.unchanged)],
        )
    };
    println!("{line}");
    Ok(())
}

/// Every bad row on stderr, `postier: FILE:LINE: what: why`, then how
/// many; exit 2, nothing changed.
fn bad_rows(ctx: &Context, errors: &[RowError]) -> ExitCode {
    let mut errors: Vec<&RowError> = errors.iter().collect();
    // By file and line (stable: a row's problems keep their order).
    errors.sort_by(|a, b| {
        (a.origin.file.as_str(), a.origin.line).cmp(&(b.origin.file.as_str(), b.origin.line))
    });
    for e in &errors {
        let error = crate::i18n::error_line(&e.error, ctx.lang);
        eprintln!("postier: {}: {error}", e.origin);
    }
    eprintln!(
        "postier: {}",
        ctx.lang
            .fmt(Msg::ImportBadRows, &[&errors.len().to_string()])
    );
    ExitCode::from(EXIT_USAGE)
}

fn read_text(path: &Path) -> Result<String> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Error::invalid(format!("file {shown}"), io_reason(&e)).with_hint("check the path")
    })?;
    String::from_utf8(bytes).map_err(|_| {
        Error::invalid(format!("file {shown}"), "is not UTF-8 text")
            .with_hint("save it as UTF-8 (a spreadsheet's \"CSV UTF-8\")")
    })
}

/// Creates (or replaces) `path` readable by its owner only.
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let shown = path.display().to_string();
    let failed = |e: std::io::Error| Error::unavailable(format!("file {shown}"), io_reason(&e));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(failed)?;
    // An existing file keeps its mode on open: make it private too.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(failed)?;
    file.write_all(text.as_bytes()).map_err(failed)?;
    file.sync_all().map_err(failed)
}

fn write_passwords(
    ctx: &Context,
    path: Option<&Path>,
    generated: &[(crate::model::Address, crate::password::Password)],
) -> Result<()> {
    if generated.is_empty() {
        return Ok(());
    }
    let Some(path) = path else {
        return Err(Error::invalid(
            "--passwords-out",
            "is needed: some rows say password: generate",
        ));
    };
    let mut text = String::from("address,password\n");
    for (address, password) in generated {
        text.push_str(&format!("{address},{}\n", password.expose()));
    }
    write_private(path, &text)?;
    if !ctx.json {
        eprintln!(
            "{}",
            ctx.lang.fmt(
                Msg::ImportPasswordsWritten,
                &[&generated.len().to_string(), &path.display().to_string()]
            )
        );
    }
    Ok(())
}

pub async fn export(ctx: &Context, args: &ExportArgs) -> Result<()> {
    let only = args
        .domain
        .iter()
        .map(|d| DomainName::parse(d))
        .collect::<Result<Vec<_>>>()?;
    let snapshot = import::snapshot(&ctx.ops, &only).await?;
    let format = match args.format {
        ExportFormatArg::Yaml => format::ExportFormat::Yaml,
        ExportFormatArg::Csv => format::ExportFormat::Csv,
    };
    let text = format::write(&snapshot, format, args.with_hashes)?;
    let Some(out) = &args.out else {
        print!("{text}");
        return Ok(());
    };
    if args.with_hashes {
        write_private(out, &text)?;
    } else {
        std::fs::write(out, &text)
            .map_err(|e| Error::unavailable(format!("file {}", out.display()), io_reason(&e)))?;
    }
    let counts = [
        snapshot.domains.len(),
        snapshot.alias_domains.len(),
        snapshot.mailboxes.len(),
        snapshot.aliases.len(),
    ]
    .map(|n| n.to_string());
    let shown = out.display().to_string();
    if ctx.json {
        output::json(&serde_json::json!({
            "out": shown,
            "domains": snapshot.domains.len(),
            "alias_domains": snapshot.alias_domains.len(),
            "mailboxes": snapshot.mailboxes.len(),
            "aliases": snapshot.aliases.len(),
            "with_hashes": args.with_hashes,
        }))
    } else {
        output::say(&ctx.lang.fmt(
            Msg::ExportWrote,
            &[&counts[0], &counts[1], &counts[2], &counts[3], &shown],
        ));
        Ok(())
    }
}

/// An I/O error's reason without the OS error number.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.split_once(" (os error") {
        Some((reason, _)) => reason.to_lowercase(),
        None => text,
    }
}
