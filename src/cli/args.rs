//! The command line, as clap definitions. Names and flags here are the
//! outside contract (SPEC.md): add freely, rename nothing.
//!
//! Values that have a model type (domains, addresses, sizes) are taken as
//! text and parsed by the handlers, so a bad value gets postier's own
//! one-line error naming it, with exit code 2.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "postier",
    version,
    about = "Mail directory, DNS self-check and TUI for a small hosting association"
)]
#[command(propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Configuration file (default: /etc/postier/postier.toml when present).
    #[arg(long, global = true, env = "POSTIER_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Directory URL: sqlite:PATH, postgres://…, mysql://…, ldap://HOST:PORT.
    #[arg(
        long,
        global = true,
        env = "POSTIER_DIRECTORY",
        value_name = "URL",
        hide_env_values = true
    )]
    pub directory: Option<String>,

    /// Print reads as one JSON document.
    #[arg(long, global = true)]
    pub json: bool,

    /// For scripts: say nothing when a change succeeds (no confirmation,
    /// summary or progress bar). What was asked for is still printed (reads,
    /// plans, a generated password), and so are warnings and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// When to use colour.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Hosted domains and alias domains.
    #[command(subcommand)]
    Domain(DomainCmd),
    /// Mailboxes.
    #[command(subcommand)]
    Mailbox(MailboxCmd),
    /// Aliases and catch-alls (`@domain`).
    #[command(subcommand)]
    Alias(AliasCmd),
    /// The directory's schema.
    #[command(subcommand)]
    Db(DbCmd),
    /// DNS self-check: what each domain should publish, and whether it does.
    Dns(super::dns::DnsArgs),
    /// DKIM signing keys: generate, show, rotate, signer tables.
    Dkim(super::dkim::DkimArgs),
    /// The audit trail: who changed what, newest first.
    Audit {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: u64,
        /// Only the changes this login made.
        #[arg(long, value_name = "LOGIN")]
        actor: Option<String>,
        /// Only the changes to objects whose name holds TEXT (an address,
        /// a domain, in either form).
        #[arg(long, value_name = "TEXT")]
        object: Option<String>,
        /// Only the changes since DATE (YYYY-MM-DD, UTC) or an RFC 3339 time.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
    },
    /// The terminal UI (also what `postier` alone opens on a terminal).
    Tui {
        /// Text shown in the UI's header, e.g. DEMO.
        #[arg(long, value_name = "TEXT")]
        banner: Option<String>,
    },
    /// The mail stack's configuration (Postfix, Dovecot).
    #[command(subcommand)]
    Stack(StackCmd),
    /// Send test and welcome mail.
    #[command(subcommand)]
    Mail(MailCmd),
    /// Deliver the journal's events to the configured [[hooks]].
    #[command(subcommand)]
    Hooks(HooksCmd),
    /// Make the directory match files (postier YAML or CSV): planned, checked, applied at once.
    Import(ImportArgs),
    /// Write the directory as a desired-state file (YAML or CSV).
    Export(ExportArgs),
    /// Prometheus metrics (text format) for node_exporter's textfile collector.
    Metrics(super::monitor::MetricsArgs),
    /// A monitoring-plugins check (Nagios, Icinga): backup, hooks, quota, dns
    /// or directory. Exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    Check(super::monitor::CheckArgs),
    /// Back up every mailbox with borg, restore one, purge removed ones once saved.
    #[command(subcommand)]
    Backup(BackupCmd),
    /// Examine the whole setup (config, directory, Postfix and Dovecot wiring,
    /// mail root, DKIM keys, DNS, backup, hooks), each finding with its fix.
    /// Exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    Doctor(DoctorArgs),
    /// The shell's tab completion for postier, on stdout
    /// (e.g. `postier completions bash > /etc/bash_completion.d/postier`).
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// The directory's domain names or mailbox addresses, one per line, for
    /// the completion scripts (nothing without a config file).
    #[command(hide = true)]
    CompleteNames {
        #[arg(value_enum)]
        kind: NamesKind,
    },
    /// Writes the man pages (postier.1 and one per subcommand) into DIR.
    #[command(hide = true)]
    Man {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Postfix's configuration directory.
    #[arg(long, value_name = "DIR", default_value = "/etc/postfix")]
    pub postfix_config: PathBuf,
    /// Dovecot's main configuration file.
    #[arg(long, value_name = "FILE", default_value = "/etc/dovecot/dovecot.conf")]
    pub dovecot_config: PathBuf,
    /// Leave out the DNS self-check of every domain (it asks the network).
    #[arg(long)]
    pub no_dns: bool,
}

/// What `postier complete-names` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NamesKind {
    Domains,
    Mailboxes,
}

/// The shells `postier completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// postier YAML or CSV files (the format is seen from the content).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Another tool's data: dms:DIR, modoboa-csv:FILE, postfixadmin:URL (repeatable).
    #[arg(long, value_name = "KIND:SOURCE")]
    pub from: Vec<String>,
    /// Show what would change, change nothing (`-n`/`--dry-run` too, as
    /// for every command that changes things in bulk).
    #[arg(long, short = 'n', visible_alias = "dry-run")]
    pub plan: bool,
    /// With --plan: exit 0 when nothing would change, 4 when changes are pending.
    #[arg(long, requires = "plan")]
    pub detailed_exitcode: bool,
    /// Remove what the files do not name in this domain (repeatable).
    #[arg(long, value_name = "DOMAIN")]
    pub prune: Vec<String>,
    /// Save the plan (with the versions it read) to apply later; change nothing.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["plan", "apply_plan"])]
    pub plan_out: Option<PathBuf>,
    /// Apply a plan saved by --plan-out, if nothing it read has changed since.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["files", "from", "plan", "prune"])]
    pub apply_plan: Option<PathBuf>,
    /// Where generated passwords go (created 0600); needed when a row says `password: generate`.
    #[arg(long, value_name = "FILE")]
    pub passwords_out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    Yaml,
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// File format.
    #[arg(long, value_enum, default_value_t = ExportFormatArg::Yaml)]
    pub format: ExportFormatArg,
    /// Only this domain (repeatable); default: every domain.
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Vec<String>,
    /// Include password hashes (the file is then created 0600).
    #[arg(long)]
    pub with_hashes: bool,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum HooksCmd {
    /// Deliver what is pending, then exit (1 if an event is parked or an attempt failed).
    Run,
    /// Keep delivering as changes land, until SIGTERM or Ctrl-C.
    Watch {
        /// How often to look for new events.
        #[arg(long, default_value = "100ms", value_name = "DURATION")]
        poll: String,
    },
    /// Each hook's pending and failed events, and its last attempts.
    Status {
        /// How many attempts to show for a hook stopped at an event.
        #[arg(long, default_value_t = 3, value_name = "N")]
        attempts: u64,
    },
    /// Try a hook's parked event again.
    Retry {
        hook: String,
        /// The parked event (default: the one the hook is stopped at).
        event_id: Option<i64>,
    },
    /// Give up on a hook's parked event (it stays undelivered to this hook).
    Skip { hook: String, event_id: i64 },
    /// Send a hook a synthetic `hook.test` event (recorded nowhere).
    Test { hook: String },
}

#[derive(Debug, Subcommand)]
pub enum StackCmd {
    /// Write the files that make Postfix and Dovecot read the directory.
    Render {
        /// Which mail stack.
        #[arg(long, default_value = "postfix-dovecot", value_name = "STACK")]
        stack: String,
        /// Directory to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailCmd {
    /// Send a test message and report the SMTP transaction.
    Test { address: String },
    /// Send a mailbox its welcome message with client settings.
    Welcome {
        address: String,
        /// Language of the message (default: per domain, else [mail.welcome] language).
        #[arg(long, value_name = "en|fr")]
        language: Option<String>,
        /// Include this password (one line on stdin; checked against the mailbox).
        #[arg(long)]
        password_stdin: bool,
        /// Send it to this address instead (the member's outside address).
        #[arg(long, value_name = "ADDRESS")]
        to: Option<String>,
    },
}

#[derive(Debug, Args, Default)]
pub struct DomainLimits {
    /// Free text shown to admins.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Most mailboxes the domain may have (0 = unlimited).
    #[arg(long, value_name = "N")]
    pub max_mailboxes: Option<u64>,
    /// Most aliases the domain may have (0 = unlimited).
    #[arg(long, value_name = "N")]
    pub max_aliases: Option<u64>,
    /// Cap on the sum of the domain's mailbox quotas (0 = unlimited).
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true)]
    pub quota: Option<String>,
    /// Quota of a new mailbox that names none (0 = unlimited).
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true)]
    pub default_quota: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DomainCmd {
    /// Add a hosted domain.
    Add {
        domain: String,
        #[command(flatten)]
        limits: DomainLimits,
    },
    /// List domains with their usage.
    List,
    /// Show one domain.
    Show { domain: String },
    /// Change a domain's description or limits.
    Edit {
        domain: String,
        #[command(flatten)]
        limits: DomainLimits,
        /// Refuse if the domain changed since this version (see `show`).
        #[arg(long, value_name = "N")]
        if_version: Option<i64>,
    },
    /// Stop accepting mail for a domain (its mailboxes stay).
    Disable { domain: String },
    /// Accept mail for a disabled domain again.
    Enable { domain: String },
    /// Remove a domain (refused while it holds mailboxes or aliases).
    Rm {
        domain: String,
        /// Also remove its mailboxes, aliases and alias domains.
        #[arg(long)]
        cascade: bool,
        /// Say what would be removed; remove nothing.
        #[arg(short = 'n', long)]
        dry_run: bool,
    },
    /// Alias domains: mail to ALIAS_DOMAIN goes to the same names at TARGET_DOMAIN.
    #[command(subcommand)]
    Alias(AliasDomainCmd),
}

#[derive(Debug, Subcommand)]
pub enum AliasDomainCmd {
    /// Make ALIAS_DOMAIN an alias of TARGET_DOMAIN.
    Add {
        alias_domain: String,
        target_domain: String,
    },
    /// List alias domains.
    List,
    /// Show one alias domain.
    Show { alias_domain: String },
    /// Point ALIAS_DOMAIN at another hosted domain.
    Edit {
        alias_domain: String,
        /// The hosted domain it now receives mail for.
        #[arg(long, value_name = "TARGET_DOMAIN")]
        target: String,
        /// Refuse the change if the alias domain changed since this version.
        #[arg(long, value_name = "N")]
        if_version: Option<i64>,
    },
    /// Stop accepting mail for an alias domain without removing it.
    Disable { alias_domain: String },
    /// Accept mail for a disabled alias domain again.
    Enable { alias_domain: String },
    /// Remove an alias domain.
    Rm { alias_domain: String },
}

/// Where a new password comes from; never argv.
#[derive(Debug, Args, Default)]
#[group(multiple = false)]
pub struct PasswordSource {
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// Generate a strong password and print it once.
    #[arg(long)]
    pub generate_password: bool,
    /// Store an existing hash, e.g. '{SHA512-CRYPT}$6$…' (for imports).
    #[arg(long, value_name = "HASH")]
    pub password_hash: Option<String>,
    /// Refused: passwords never travel on the command line.
    #[arg(long, hide = true, value_name = "PASSWORD")]
    pub password: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum MailboxCmd {
    /// Add a mailbox.
    Add {
        address: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Mailbox quota (default: the domain's default quota).
        #[arg(long, value_name = "SIZE", allow_hyphen_values = true)]
        quota: Option<String>,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// List mailboxes, of one domain or of all, with how full each is.
    List {
        domain: Option<String>,
        /// Only those whose address or name holds TEXT (any domain).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
    },
    /// Show one mailbox.
    Show { address: String },
    /// Change a mailbox's name or quota.
    Edit {
        address: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "SIZE", allow_hyphen_values = true)]
        quota: Option<String>,
        /// Refuse if the mailbox changed since this version (see `show`).
        #[arg(long, value_name = "N")]
        if_version: Option<i64>,
    },
    /// Set a new password.
    Passwd {
        address: String,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Refuse mail and logins for a mailbox (its mail stays).
    Disable { address: String },
    /// Accept mail and logins again.
    Enable { address: String },
    /// Remove a mailbox from the directory. One that aliases forward to is
    /// refused, naming them, unless --detach.
    Rm {
        address: String,
        /// Also take it out of the aliases that forward to it, in the same change.
        #[arg(long)]
        detach: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AliasCmd {
    /// Add an alias; `@domain` is the domain's catch-all.
    Add {
        address: String,
        #[arg(required = true, value_name = "TARGET")]
        targets: Vec<String>,
    },
    /// List aliases, of one domain or of all.
    List {
        domain: Option<String>,
        /// Only those that forward to ADDRESS.
        #[arg(long, value_name = "ADDRESS")]
        target: Option<String>,
    },
    /// Show one alias.
    Show { address: String },
    /// Add or remove targets.
    Edit {
        address: String,
        /// Target to add (repeatable).
        #[arg(long = "add", value_name = "TARGET")]
        add: Vec<String>,
        /// Target to remove (repeatable).
        #[arg(long = "remove", value_name = "TARGET")]
        remove: Vec<String>,
        #[arg(long, value_name = "N")]
        if_version: Option<i64>,
    },
    /// Stop an alias without removing it.
    Disable { address: String },
    /// Start a disabled alias again.
    Enable { address: String },
    /// Remove an alias.
    Rm { address: String },
}

#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Create or upgrade the directory's schema.
    Migrate,
}

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// Make one archive of every maildir (exit 1 if degraded or failed).
    Run {
        /// Say what would be archived; run nothing.
        #[arg(short = 'n', long)]
        dry_run: bool,
    },
    /// SSH forced command for a backup server (reads SSH_ORIGINAL_COMMAND).
    Agent,
    /// Last run, its age, unprotected mailboxes, pending purges.
    Status,
    /// Archives in the catalogue, or those holding ADDRESS or DOMAIN.
    List {
        #[arg(value_name = "ADDRESS|DOMAIN")]
        filter: Option<String>,
        /// Also list what the repository itself holds.
        #[arg(long)]
        remote: bool,
    },
    /// Bring one mailbox back from an archive (the newest by default).
    Restore {
        address: String,
        /// The archive to restore from.
        #[arg(long, value_name = "NAME")]
        archive: Option<String>,
        /// Import into this folder of the live mailbox.
        #[arg(
            long,
            value_name = "NAME",
            required_unless_present = "to",
            conflicts_with = "to"
        )]
        into_folder: Option<String>,
        /// Write the maildir to this new directory.
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
    },
    /// Delete removed mailboxes' data that an archive holds, after purge_after.
    Purge {
        /// Say what would be deleted; delete nothing.
        #[arg(short = 'n', long)]
        dry_run: bool,
    },
    /// Apply the keep_* retention (borg prune, then compact).
    Prune {
        /// Say which archives would be pruned; delete nothing.
        #[arg(short = 'n', long)]
        dry_run: bool,
    },
}
