//! The message catalogue: every piece of UI text in English and French,
//! chosen from the locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`).
//!
//! The TUI draws all of its words from here, and the CLI's human output
//! can take its words from the same table, so a term is translated once.
//! Messages with parameters mark them `{}`, filled in order by [`Lang::fmt`].
//! Errors from the library (an [`crate::Error`]'s `what`/`why`) are not
//! translated: they quote values and are what scripts and logs see.

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    /// The language of the process's locale.
    pub fn from_env() -> Lang {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let locale = var("LC_ALL")
            .or_else(|| var("LC_MESSAGES"))
            .or_else(|| var("LANG"));
        Lang::from_locale(locale.as_deref().unwrap_or(""))
    }

    /// `fr`, `fr_FR.UTF-8`, `fr_CA`… are French; anything else is English.
    pub fn from_locale(locale: &str) -> Lang {
        let code = locale.split(['_', '.', '@', '-']).next().unwrap_or("");
        if code.eq_ignore_ascii_case("fr") {
            Lang::Fr
        } else {
            Lang::En
        }
    }

    /// The text of `msg` in this language.
    pub fn t(self, msg: Msg) -> &'static str {
        msg.text(self)
    }

    /// The text of `msg` with each `{}` replaced by the next of `args`.
    pub fn fmt(self, msg: Msg, args: &[&str]) -> String {
        let mut out = String::new();
        let mut args = args.iter();
        let mut parts = msg.text(self).split("{}");
        if let Some(first) = parts.next() {
            out.push_str(first);
        }
        for part in parts {
            out.push_str(args.next().copied().unwrap_or(""));
            out.push_str(part);
        }
        out
    }
}

/// A catalogue message and the values of its `{}` placeholders, in order:
/// a sentence kept until it is shown, then worded in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub msg: Msg,
    pub args: Vec<String>,
}

impl Text {
    pub fn new(msg: Msg) -> Text {
        Text {
            msg,
            args: Vec::new(),
        }
    }

    /// A text that is already words (an error from elsewhere, a command
    /// line): shown as it is in every language.
    pub fn verbatim(text: impl ToString) -> Text {
        Text::new(Msg::Verbatim).arg(text)
    }

    /// Adds the next placeholder's value.
    pub fn arg(mut self, value: impl ToString) -> Text {
        self.args.push(value.to_string());
        self
    }

    pub fn render(&self, lang: Lang) -> String {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        lang.fmt(self.msg, &args)
    }
}

macro_rules! catalogue {
    ($($id:ident => $en:literal, $fr:literal;)*) => {
        /// One message of the catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Msg { $($id),* }

        impl Msg {
            /// Every message, for checks over the whole catalogue.
            pub const ALL: &'static [Msg] = &[$(Msg::$id),*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$id, Lang::En) => $en, (Msg::$id, Lang::Fr) => $fr,)*
                }
            }
        }
    };
}

catalogue! {
    // Header, chrome
    AppName => "postier", "postier";
    // postier doctor
    DoctorFixLabel => "fix", "à faire";
    DoctorNoConfig => "no config file: built-in defaults (an embedded SQLite directory in your home)", "pas de fichier de configuration : valeurs par défaut (un annuaire SQLite intégré dans votre dossier personnel)";
    DoctorFixNoConfig => "write {} (see docs/), or pass --config FILE", "écrivez {} (voir docs/), ou passez --config FICHIER";
    DoctorConfigOpen => "{} is readable by every user (mode {})", "{} est lisible par tous les utilisateurs (mode {})";
    DoctorConfigOk => "{} (mode {})", "{} (mode {})";
    DoctorFixDirectory => "start the database server, or fix [directory] url", "démarrez le serveur de base de données, ou corrigez url dans [directory]";
    DoctorFixStack => "fix [stack] and [directory] in the config", "corrigez [stack] et [directory] dans la configuration";
    DoctorFixDns => "publish what `postier dns records DOMAIN` lists for each domain named", "publiez ce que `postier dns records DOMAINE` indique pour chaque domaine cité";
    DoctorFixBackup => "see `postier backup status`; is the backup server starting its runs?", "voyez `postier backup status` ; le serveur de sauvegarde lance-t-il ses sauvegardes ?";
    DoctorFixHooks => "see `postier hooks status`, then `postier hooks retry HOOK` once the target works", "voyez `postier hooks status`, puis `postier hooks retry CROCHET` une fois la cible rétablie";
    DoctorNoMainCf => "no main.cf in {}", "pas de main.cf dans {}";
    DoctorFixInstallPostfix => "install Postfix, or give its configuration directory with --postfix-config", "installez Postfix, ou donnez son dossier de configuration avec --postfix-config";
    DoctorPostfixNotWired => "Postfix does not read postier's tables (no virtual_mailbox_maps)", "Postfix ne lit pas les tables de postier (pas de virtual_mailbox_maps)";
    DoctorFixPostfixWiring => "postier stack render --out DIR, append DIR/postfix/main.cf.snippet to main.cf, postfix reload", "postier stack render --out DOSSIER, ajoutez DOSSIER/postfix/main.cf.snippet à main.cf, postfix reload";
    DoctorParameterDiffers => "{} is {}, postier renders {}", "{} vaut {}, postier produit {}";
    DoctorParameterUnset => "{} is not set (postier renders {})", "{} n'est pas défini (postier produit {})";
    DoctorFixPostfix => "postier stack render --out {} and append postfix/main.cf.snippet to main.cf if it is not there; postfix reload", "postier stack render --out {} puis ajoutez postfix/main.cf.snippet à main.cf s'il n'y est pas ; postfix reload";
    DoctorNoFile => "no {}", "{} n'existe pas";
    DoctorFixInstallDovecot => "install Dovecot, or give its main file with --dovecot-config", "installez Dovecot, ou donnez son fichier principal avec --dovecot-config";
    DoctorDovecotNotWired => "Dovecot does not read postier's passdb and userdb", "Dovecot ne lit pas la passdb et la userdb de postier";
    DoctorFixDovecotWiring => "postier stack render --out DIR, include DIR/dovecot/dovecot.conf.snippet in dovecot.conf, reload dovecot", "postier stack render --out DOSSIER, incluez DOSSIER/dovecot/dovecot.conf.snippet dans dovecot.conf, rechargez dovecot";
    DoctorDovecotMissing => "dovecot.conf does not name {}", "dovecot.conf ne nomme pas {}";
    DoctorFixDovecot => "postier stack render --out {} and include dovecot/dovecot.conf.snippet in dovecot.conf; reload dovecot", "postier stack render --out {} puis incluez dovecot/dovecot.conf.snippet dans dovecot.conf ; rechargez dovecot";
    DoctorFixInstall => "install {}", "installez {}";
    DoctorFileDiffers => "{} differs from what postier renders now", "{} diffère de ce que postier produit maintenant";
    DoctorStackOk => "reads postier's directory ({} files in {} as rendered)", "lit l'annuaire de postier ({} fichiers dans {} tels que produits)";
    DoctorMailRootOwner => "{} belongs to {}, not the mail user {} ([stack] vmail_uid/vmail_gid)", "{} appartient à {}, pas à l'utilisateur du courrier {} ([stack] vmail_uid/vmail_gid)";
    DoctorMailRootOk => "{} belongs to {}", "{} appartient à {}";
    DoctorNoKeys => "no keys yet ({} does not exist)", "pas encore de clé ({} n'existe pas)";
    DoctorKeysOk => "{} private keys in {}, none readable by every user", "{} clés privées dans {}, aucune lisible par tous";
    DoctorKeysOpen => "private keys readable by every user: {}", "clés privées lisibles par tous : {}";
    RoleAdmin => "admin", "admin";
    RoleDomainAdmin => "domain admin", "admin de domaine";
    RoleContact => "contact", "contact";
    ReadOnly => "READ-ONLY", "LECTURE SEULE";
    Working => "working", "en cours";
    TooSmall => "Terminal too small", "Terminal trop petit";
    TooSmallDetail => "{} needs at least {}; this one is {}.", "{} a besoin d'au moins {} ; celui-ci fait {}.";
    Loading => "Loading…", "Chargement…";
    Empty => "Nothing here yet.", "Rien pour l'instant.";
    NoMatch => "Nothing matches the filter.", "Rien ne correspond au filtre.";
    FilterLabel => "filter", "filtre";
    LoadFailed => "Could not load: {}", "Chargement impossible : {}";
    // Views and tabs
    ViewDomains => "Domains", "Domaines";
    ViewMailboxes => "Mailboxes", "Boîtes";
    ViewAudit => "Audit log", "Journal d'audit";
    ViewHooks => "Hooks", "Crochets";
    ColDelivered => "DELIVERED UP TO", "LIVRÉ JUSQU'À";
    HookOk => "ok", "ok";
    HookRetrying => "retrying", "nouvel essai";
    HookParked => "PARKED", "BLOQUÉ";
    HookAt => "at event #{} (failed attempts: {})", "à l'événement n° {} (tentatives échouées : {})";
    AttemptDelivered => "delivered", "livré";
    AttemptFailed => "failed", "échec";
    AttemptTimeout => "timeout", "délai dépassé";
    AttemptParked => "parked", "bloqué";
    AttemptRetry => "retry", "réessai";
    AttemptSkipped => "skipped", "abandonné";
    HookNextAt => "next attempt {}", "prochain essai {}";
    HookLease => "delivered now by {} until {}", "livré en ce moment par {} jusqu'à {}";
    HookNothingHeld => "nothing held back", "rien en attente";
    HookNoAttempts => "no attempt recorded", "aucune tentative enregistrée";
    HookNoneConfigured => "no hooks are configured", "aucun crochet n'est configuré";
    KeyHookEvent => "retry/skip", "réessayer/abandonner";
    TabMailboxes => "Mailboxes", "Boîtes";
    TabAliases => "Aliases", "Alias";
    TabAliasDomains => "Alias domains", "Domaines alias";
    TabDns => "DNS", "DNS";
    TabDkim => "DKIM", "DKIM";
    // Columns
    ColDomain => "DOMAIN", "DOMAINE";
    ColActive => "ACTIVE", "ACTIF";
    ColMailboxes => "MAILBOXES", "BOÎTES";
    ColAliases => "ALIASES", "ALIAS";
    ColQuota => "QUOTA", "QUOTA";
    ColQuotaUse => "ALLOTTED/QUOTA", "ALLOUÉ/QUOTA";
    ColDns => "DNS", "DNS";
    ColDescription => "DESCRIPTION", "DESCRIPTION";
    ColAddress => "ADDRESS", "ADRESSE";
    ColName => "NAME", "NOM";
    ColTargets => "TARGETS", "DESTINATIONS";
    ColAliasDomain => "ALIAS DOMAIN", "DOMAINE ALIAS";
    ColTarget => "TARGET", "CIBLE";
    ColWhen => "WHEN", "QUAND";
    ColWho => "WHO", "QUI";
    ColWhat => "WHAT", "QUOI";
    ColObject => "OBJECT", "OBJET";
    // Values
    On => "on", "oui";
    Off => "off", "non";
    Unlimited => "unlimited", "illimité";
    CatchAll => "(catch-all)", "(fourre-tout)";
    NoDirectory => "no directory (DNS self-check only)", "pas d'annuaire (vérification DNS seule)";
    // DNS statuses, as the DNS column and the DNS tab show them
    DnsOk => "ok", "ok";
    DnsWarn => "warn", "avert.";
    DnsFail => "FAIL", "ÉCHEC";
    DnsUnknownStatus => "unknown", "inconnu";
    DnsSkip => "skip", "sans objet";
    DnsChecking => "…", "…";
    DnsNotChecked => "-", "-";
    // DNS and DKIM tabs
    TitleDnsChecks => "DNS checks", "Vérifications DNS";
    TitleDkimKeys => "DKIM keys", "Clés DKIM";
    DnsCheckingDomain => "Checking the DNS of {}…", "Vérification du DNS de {}…";
    DnsCheckFailed => "The DNS check could not run: {}", "La vérification DNS n'a pas pu se faire : {}";
    DnsRechecking => "Re-checking the DNS of {}", "Nouvelle vérification du DNS de {}";
    DnsStatusSummary => "{}: {}", "{} : {}";
    DnsSummary => "{} fail, {} unknown, {} warn", "{} échec, {} inconnu, {} avert.";
    DetailSpfTrace => "How receivers evaluate it for the service's address:", "Comment les destinataires l'évaluent pour l'adresse du service :";
    DetailFix => "Fix:", "Correction :";
    DetailPublished => "published:", "publiée :";
    DetailRecord => "Record to publish:", "Enregistrement à publier :";
    DetailRetireAfter => "Keep published until {}", "À garder publié jusqu'au {}";
    DkimHasKey => "This domain has its key: R starts a rotation to a new one", "Ce domaine a sa clé : R lance la rotation vers une nouvelle";
    DkimNoneAdmin => "{} has no DKIM key yet: press a to make one (or run: postier dkim generate {}).", "{} n'a pas encore de clé DKIM : a pour en créer une (ou : postier dkim generate {}).";
    DkimNone => "{} has no DKIM key yet. An admin makes one with: postier dkim generate {}", "{} n'a pas encore de clé DKIM. Un admin en crée une avec : postier dkim generate {}";
    ColUsed => "USED", "UTILISÉ";
    UsageUnknown => "?", "?";
    ColPublished => "PUBLISHED", "PUBLIÉE";
    PublishedYes => "yes", "oui";
    PublishedNo => "NO", "NON";
    PublishedUnknown => "unknown", "inconnu";
    KeyActive => "active", "active";
    KeyPending => "pending", "en attente";
    KeyRetiring => "retiring", "en retrait";
    // Keys (help and bottom bar)
    KeyQuit => "quit", "quitter";
    KeyHelp => "help", "aide";
    KeyCommand => "command", "commande";
    KeyRefresh => "refresh", "actualiser";
    KeySuspend => "suspend", "suspendre";
    KeyUp => "up", "haut";
    KeyDown => "down", "bas";
    KeyTop => "top", "début";
    KeyBottom => "bottom", "fin";
    KeyPageUp => "page up", "page préc.";
    KeyPageDown => "page down", "page suiv.";
    KeyOpen => "open", "ouvrir";
    KeyBack => "back", "retour";
    KeyFilter => "filter", "filtrer";
    KeyAdd => "add", "ajouter";
    KeyAddAliasDomain => "add alias domain", "ajouter domaine alias";
    KeyEdit => "edit", "modifier";
    KeyDelete => "disable/delete", "désactiver/suppr.";
    KeyPassword => "password", "mot de passe";
    KeyNextTab => "next tab", "onglet suiv.";
    KeyPrevTab => "previous tab", "onglet préc.";
    KeyRecheck => "re-check DNS", "revérifier DNS";
    KeyGenerateKey => "new DKIM key", "nouvelle clé DKIM";
    KeyRotateKey => "rotate key", "rotation de clé";
    KeyNextField => "next field", "champ suivant";
    KeyPrevField => "previous field", "champ précédent";
    KeySubmit => "save", "enregistrer";
    KeyCancel => "cancel", "annuler";
    KeyToggle => "change choice", "changer";
    KeyChoose => "choose", "choisir";
    KeyConfirm => "confirm", "confirmer";
    KeyClose => "close", "fermer";
    KeyApply => "apply", "appliquer";
    KeyClear => "clear", "effacer";
    HelpTitle => "Keys", "Touches";
    HelpCommands => "Commands: :domains  :mailboxes  :audit  :hooks  :import FILE  :q", "Commandes : :domains  :mailboxes  :audit  :hooks  :import FICHIER  :q";
    // Forms
    FormAddDomain => "Add domain", "Ajouter un domaine";
    FormEditDomain => "Edit domain {}", "Modifier le domaine {}";
    FormAddAliasDomain => "Add alias domain", "Ajouter un domaine alias";
    FormEditAliasDomain => "Re-point alias domain {}", "Rediriger le domaine alias {}";
    FormAddMailbox => "Add mailbox", "Ajouter une boîte";
    FormEditMailbox => "Edit mailbox {}", "Modifier la boîte {}";
    FormPassword => "New password for {}", "Nouveau mot de passe pour {}";
    FormAddAlias => "Add alias", "Ajouter un alias";
    FormEditAlias => "Edit alias {}", "Modifier l'alias {}";
    FieldDomain => "Domain", "Domaine";
    FieldDescription => "Description", "Description";
    FieldMaxMailboxes => "Max mailboxes (0 = no limit)", "Boîtes max (0 = sans limite)";
    FieldMaxAliases => "Max aliases (0 = no limit)", "Alias max (0 = sans limite)";
    FieldQuota => "Quota, e.g. 10G (0 = unlimited)", "Quota, ex. 10G (0 = illimité)";
    FieldDefaultQuota => "Default mailbox quota", "Quota par défaut des boîtes";
    FieldAliasDomain => "Alias domain", "Domaine alias";
    FieldTargetDomain => "Target domain", "Domaine cible";
    FieldAddress => "Address", "Adresse";
    FieldAliasAddress => "Address (@domain = catch-all)", "Adresse (@domaine = fourre-tout)";
    FieldName => "Name", "Nom";
    FieldMailboxQuota => "Quota (empty = domain default)", "Quota (vide = défaut du domaine)";
    FieldPasswordChoice => "Password", "Mot de passe";
    ChoiceGenerate => "generate", "générer";
    ChoiceType => "type it", "le saisir";
    FieldPassword => "Password", "Mot de passe";
    FieldPasswordAgain => "Again", "Confirmation";
    FieldTargets => "Targets (comma-separated)", "Destinations (séparées par des virgules)";
    FormHint => "Tab: next field · Enter: save · Esc: cancel", "Tab : champ suivant · Entrée : enregistrer · Échap : annuler";
    ChoiceHint => "Space or ←/→ to change", "Espace ou ←/→ pour changer";
    PasswordsDiffer => "the two passwords differ", "les deux mots de passe diffèrent";
    NotANumber => "{} is not a whole number", "{} n'est pas un nombre entier";
    // Dialogs
    ConfirmQuestion => "What should happen to {}?", "Que faire de {} ?";
    ButtonCancel => "Cancel", "Annuler";
    ButtonDisable => "Disable", "Désactiver";
    ButtonEnable => "Enable", "Activer";
    ButtonDelete => "Delete", "Supprimer";
    ButtonRetry => "Retry now", "Réessayer";
    ButtonSkip => "Skip", "Abandonner";
    TypedTitle => "Delete {}", "Supprimer {}";
    TypedPrompt => "This cannot be undone. Type {} to confirm:", "Irréversible. Tapez {} pour confirmer :";
    TypedMismatch => "does not match; nothing was deleted", "ne correspond pas ; rien n'a été supprimé";
    ErrorTitle => "Error", "Erreur";
    ErrorClose => "Enter or Esc to close", "Entrée ou Échap pour fermer";
    PasswordTitle => "Password for {}", "Mot de passe de {}";
    PasswordOnce => "Shown once: store it now. Enter closes.", "Affiché une seule fois : notez-le. Entrée pour fermer.";
    // What a domain holds, shown before it is deleted with it
    HoldsReading => "Reading what it holds…", "Lecture de son contenu…";
    HoldsFailed => "Could not read what it holds: {}", "Impossible de lire son contenu : {}";
    HoldsNothing => "It holds no mailboxes, aliases or alias domains.", "Il ne contient ni boîte, ni alias, ni domaine alias.";
    HoldsIntro => "Deleting it also deletes, for good:", "Le supprimer supprime aussi, définitivement :";
    HoldsMailboxes => "mailboxes ({}): {}", "boîtes ({}) : {}";
    HoldsAliases => "aliases ({}): {}", "alias ({}) : {}";
    HoldsAliasDomains => "alias domains ({}): {}", "domaines alias ({}) : {}";
    HoldsMore => "and {} more", "et {} de plus";
    HoldsForwarders => "Aliases forward to it ({}): {}. Deleting it also takes it out of them.", "Des alias y renvoient ({}) : {}. La supprimer la retire aussi de ces alias.";
    HoldsForwardersSummary => "It is also taken out of {} aliases.", "Elle est aussi retirée de {} alias.";
    HoldsSummary => "Deleted with it: mailboxes {}, aliases {}, alias domains {}.", "Supprimés avec lui : boîtes {}, alias {}, domaines alias {}.";
    // A change that met someone else's
    ConflictTitle => "Changed meanwhile", "Modifié entre-temps";
    ConflictBy => "{} {} was changed by {} at {} while you edited it: nothing was saved.", "{} {} a été modifié(e) par {} le {} pendant votre modification : rien n'a été enregistré.";
    ConflictBySomeone => "{} {} was changed by someone else while you edited it: nothing was saved.", "{} {} a été modifié(e) par quelqu'un d'autre pendant votre modification : rien n'a été enregistré.";
    ConflictGone => "{} {} was removed while you edited it: nothing was saved.", "{} {} a été supprimé(e) pendant votre modification : rien n'a été enregistré.";
    ConflictWhat => "What changed:", "Ce qui a changé :";
    ConflictNothingVisible => "No field shown here changed (perhaps its password).", "Aucun champ affiché ici n'a changé (peut-être son mot de passe).";
    ConflictReloadForm => "Reload opens the form on the current values, keeping your changes to other fields.", "Recharger rouvre le formulaire sur les valeurs actuelles, en gardant vos modifications des autres champs.";
    ConflictReloadDialog => "Reload asks again, on the current values.", "Recharger repose la question, sur les valeurs actuelles.";
    ButtonReload => "Reload", "Recharger";
    ChangedFromTo => "{}: {} → {}", "{} : {} → {}";
    FieldValue => "{}: {}", "{} : {}";
    NothingChanged => "nothing changed", "rien n'a changé";
    AttrName => "name", "nom";
    AttrDescription => "description", "description";
    AttrActive => "active", "actif";
    AttrQuota => "quota", "quota";
    AttrDefaultQuota => "default quota", "quota par défaut";
    AttrMaxMailboxes => "max mailboxes", "boîtes max";
    AttrMaxAliases => "max aliases", "alias max";
    AttrTargets => "targets", "destinations";
    AttrTargetDomain => "target domain", "domaine cible";
    // The audit view's detail pane
    AuditBy => "{} by {} at {}", "{} par {} le {}";
    AuditNoDetail => "No details recorded.", "Aucun détail enregistré.";
    // Form fields' errors
    ErrRequired => "required", "obligatoire";
    ErrDomain => "not a domain name: write it like example.org", "pas un nom de domaine : écrivez-le comme exemple.fr";
    ErrDomainChars => "may hold only letters, digits, hyphens and dots", "ne peut contenir que lettres, chiffres, tirets et points";
    ErrDomainLabels => "give the full domain, e.g. example.org", "donnez le domaine complet, ex. exemple.fr";
    ErrDomainLong => "too long (253 characters at most, 63 between dots)", "trop long (253 caractères au plus, 63 entre deux points)";
    ErrDomainDots => "a dot at the start, or two in a row", "un point au début, ou deux de suite";
    ErrDomainHyphen => "a part starts or ends with a hyphen", "une partie commence ou finit par un tiret";
    ErrAddressNoAt => "write it as name@example.org", "écrivez-la comme nom@exemple.fr";
    ErrLocalPartEmpty => "nothing before the @", "rien avant le @";
    ErrLocalPart => "before the @, only letters, digits and . - _ +", "avant le @, seulement lettres, chiffres et . - _ +";
    ErrLocalPartDots => "before the @, no dot at either end nor two in a row", "avant le @, pas de point au début, à la fin ni deux de suite";
    ErrLocalPartLong => "more than 64 characters before the @", "plus de 64 caractères avant le @";
    ErrAddressLong => "longer than 254 characters", "plus de 254 caractères";
    ErrSize => "write a size such as 500M, 2G or 0 (unlimited)", "écrivez une taille comme 500M, 2G ou 0 (illimité)";
    ErrPasswordShort => "shorter than {} characters", "moins de {} caractères";
    ErrPasswordControl => "holds a line break or control character", "contient un saut de ligne ou un caractère de contrôle";
    ErrTargetsNone => "give at least one address, e.g. someone@example.org", "donnez au moins une adresse, ex. quelquun@exemple.fr";
    ErrTarget => "{}: {}", "{} : {}";
    // Hints in place of an error's command-line hint
    HintDefaultQuota => "fill in the default mailbox quota, or a mailbox limit to share the total quota between", "remplissez le quota par défaut des boîtes, ou un nombre maximal de boîtes entre lesquelles partager le quota total";
    HintQuota => "fill in the quota field, or give the domain a default quota (e on the domain list)", "remplissez le champ quota, ou donnez au domaine un quota par défaut (e dans la liste des domaines)";
    HintMaxMailboxes => "raise the domain's max mailboxes: e on the domain list", "augmentez les boîtes max du domaine : e dans la liste des domaines";
    HintMaxAliases => "raise the domain's max aliases: e on the domain list", "augmentez les alias max du domaine : e dans la liste des domaines";
    HintCascade => "delete it from the domain list: the dialog lists what goes with it", "supprimez-le depuis la liste des domaines : la fenêtre liste ce qui part avec lui";
    HintGeneratePassword => "choose generate for a strong one", "choisissez générer pour un mot de passe solide";
    HintChangeAField => "change at least one field", "modifiez au moins un champ";
    // Objects
    ObjDomain => "domain", "domaine";
    ObjMailbox => "mailbox", "boîte";
    ObjAlias => "alias", "alias";
    ObjAliasDomain => "alias domain", "domaine alias";
    ObjDkimKey => "DKIM key", "clé DKIM";
    ObjHookEvent => "hook event", "l'événement";
    // Flash messages (shared with the CLI's human output)
    DoneAdded => "{} {} added", "{} {} ajouté(e)";
    DoneDkimMade => "{} {} made: publish its record", "{} {} créée : publiez son enregistrement";
    DoneDkimPending => "{} {} made, pending: publish its record, then rotate again", "{} {} créée, en attente : publiez son enregistrement, puis relancez la rotation";
    DoneDkimSwitched => "{} {} now signs", "{} {} signe désormais";
    DoneChanged => "{} {} changed", "{} {} modifié(e)";
    DoneRemoved => "{} {} removed", "{} {} supprimé(e)";
    WouldRemove => "{} {} would be removed", "{} {} serait supprimé(e)";
    DoneRetried => "{} {} will be tried again", "{} {} sera réessayé";
    DoneSkipped => "{} {} skipped", "{} {} abandonné";
    DoneEnabled => "{} {} enabled", "{} {} activé(e)";
    DoneDisabled => "{} {} disabled", "{} {} désactivé(e)";
    DonePassword => "{} {} has a new password", "{} {} a un nouveau mot de passe";
    Refreshed => "refreshing…", "actualisation…";
    UnknownCommand => "unknown command :{} (try :help)", "commande inconnue :{} (essayez :help)";
    NotForRole => "not available to your role", "non disponible pour votre rôle";
    NothingSelected => "nothing selected", "aucune sélection";
    // The CLI's human output (`show` keys and one-off lines)
    ShowALabel => "a-label", "forme ascii";
    ShowDefaultQuota => "default quota", "quota par défaut";
    ShowCreated => "created", "créé";
    ShowUpdated => "updated", "modifié";
    ShowVersion => "version", "version";
    ShowPasswordScheme => "password scheme", "schéma du mot de passe";
    ShowWeakScheme => "{} (weak: have the member change password)", "{} (faible : faites changer le mot de passe)";
    ShowMaildir => "maildir", "maildir";
    ShowCatchAll => "catch-all", "fourre-tout";
    NoCap => "no cap", "sans plafond";
    CliPasswordOnce => "password (shown once, store it now): {}", "mot de passe (affiché une seule fois, notez-le) : {}";
    CliMigrated => "directory {} is up to date", "l'annuaire {} est à jour";
    CliDefaultQuotaShared => "default quota set to {}: the total quota of {} shared by the {} mailboxes allowed (change it with --default-quota)", "quota par défaut fixé à {} : le quota total de {} partagé entre les {} boîtes permises (à changer avec --default-quota)";
    CliCreatedDefaultDirectory => "created a new, empty directory at {} (the default location; set [directory] url or --directory to use another)", "nouvel annuaire vide créé dans {} (l'emplacement par défaut ; [directory] url ou --directory en désignent un autre)";
    ShowQuotaUsed => "quota used", "quota utilisé";
    QuotaUsedBytes => "{} ({} bytes)", "{} ({} octets)";
    QuotaUsedOf => "{} of {} ({}%; {} bytes)", "{} sur {} ({} % ; {} octets)";
    QuotaUnknown => "unknown ({})", "inconnu ({})";
    // `stack render` and `mail`
    ColMode => "MODE", "MODE";
    ColGroup => "GROUP", "GROUPE";
    ColFile => "FILE", "FICHIER";
    CliRendered => "rendered {} for the {} directory into {}", "{} généré pour l'annuaire {} dans {}";
    CliWarning => "warning: {}", "attention : {}";
    CliNextReadme => "next: follow {}", "ensuite : suivez {}";
    MailTestMessage => "test message", "message de test";
    MailWelcomeMessage => "welcome message", "message de bienvenue";
    CliMailAccepted => "{} to {} accepted by {}: {}", "{} pour {} accepté par {} : {}";
    CliMessageId => "message id: {}", "identifiant du message : {}";
    // `dns` and `dkim` commands
    ColStatus => "STATUS", "ÉTAT";
    ColCheck => "CHECK", "VÉRIFICATION";
    ColMessage => "MESSAGE", "MESSAGE";
    ColSelector => "SELECTOR", "SÉLECTEUR";
    ColAlgorithm => "ALGORITHM", "ALGORITHME";
    ColState => "STATE", "ÉTAT";
    ColCreated => "CREATED", "CRÉÉE";
    ColRetireAfter => "RETIRE AFTER", "RETRAIT APRÈS";
    CliDkimMade => "DKIM key {} ({}) of {} made, pending: publish its record, then run postier dkim rotate to sign with it: {}", "clé DKIM {} ({}) de {} créée, en attente : publiez son enregistrement, puis lancez postier dkim rotate pour signer avec : {}";
    CliDkimPending => "DKIM key {} ({}) of {} made, pending: publish it, then run postier dkim rotate again: {}", "clé DKIM {} ({}) de {} créée, en attente : publiez-la, puis relancez postier dkim rotate : {}";
    CliPublish => "publish:", "à publier :";
    CliDkimSwitched => "DKIM selector {} of {} now signs", "le sélecteur DKIM {} de {} signe désormais";
    CliDkimRetiring => "selector {} retires: keep its record until {}", "le sélecteur {} se retire : gardez son enregistrement jusqu'au {}";
    CliDkimRetired => "DKIM selector {} of {} retired: remove its record", "sélecteur DKIM {} de {} retiré : supprimez son enregistrement";
    CliWrote => "wrote {}", "écrit {}";
    ImportSummary => "{} to add, {} to change, {} to remove, {} unchanged", "{} à ajouter, {} à modifier, {} à supprimer, {} inchangés";
    ImportApplied => "applied: {} added, {} changed, {} removed, {} unchanged", "appliqué : {} ajoutés, {} modifiés, {} supprimés, {} inchangés";
    ImportNothing => "nothing to change ({} unchanged)", "rien à changer ({} inchangés)";
    ImportBadRows => "import: {} problem(s) in the files, nothing changed", "import : {} problème(s) dans les fichiers, rien n'a été modifié";
    ImportPlanSaved => "plan saved to {}; apply it with: postier import --apply-plan {}", "plan enregistré dans {} ; appliquez-le avec : postier import --apply-plan {}";
    ImportPasswordsWritten => "{} generated passwords written to {}", "{} mots de passe générés écrits dans {}";
    ExportWrote => "exported {} domains, {} alias domains, {} mailboxes, {} aliases to {}", "exporté {} domaines, {} domaines alias, {} boîtes, {} alias dans {}";
    ImportUsage => "usage: :import FILE (a postier YAML or CSV file)", "usage : :import FICHIER (un fichier YAML ou CSV de postier)";
    ImportTitle => "import {}", "import {}";
    ImportPlanning => "planning the import of {}…", "préparation de l'import de {}…";
    ImportApplying => "applying…", "application…";
    ImportNeedsCli => "rows say password: generate: import this file with postier import --passwords-out FILE", "des lignes disent password: generate : importez ce fichier avec postier import --passwords-out FICHIER";
    ButtonApply => "Apply", "Appliquer";
    // The restore dialog (`b` on a mailbox, `:restore ADDRESS`)
    KeyRestore => "restore from backup", "restaurer";
    KeyNewerArchive => "newer archive", "archive plus récente";
    KeyOlderArchive => "older archive", "archive plus ancienne";
    RestoreTitle => "restore {}", "restaurer {}";
    RestoreArchives => "Archives holding it, newest first:", "Archives qui la contiennent, récentes d'abord :";
    RestoreReading => "reading the backup catalogue…", "lecture du catalogue des sauvegardes…";
    RestoreNoArchive => "no archive holds this mailbox", "aucune archive ne contient cette boîte";
    RestoreListFailed => "the archives cannot be listed: {}", "impossible de lister les archives : {}";
    RestoreComplete => "complete", "complète";
    RestoreDegraded => "degraded", "dégradée";
    RestoreInto => "Restore into", "Restaurer dans";
    RestoreIntoFolder => "a folder of the mailbox", "un dossier de la boîte";
    RestoreIntoDir => "a directory", "un répertoire";
    RestoreFolder => "Folder (new)", "Dossier (nouveau)";
    RestoreDir => "Directory (new or empty)", "Répertoire (nouveau ou vide)";
    RestoreDefaultFolder => "Restored {}", "Restauré {}";
    RestoreNeedsFolder => "give the folder a name", "donnez un nom au dossier";
    RestoreNeedsDir => "name a new directory", "indiquez un nouveau répertoire";
    RestoreNothing => "no archive to restore from", "aucune archive d'où restaurer";
    RestoreRunning => "restoring… (Esc: let it run in the background)", "restauration… (Échap : la laisser en arrière-plan)";
    RestoreBackground => "restoring {} in the background…", "restauration de {} en arrière-plan…";
    RestoreDoneFolder => "{}: {} files restored from {} into folder \"{}\"", "{} : {} fichiers restaurés depuis {} dans le dossier « {} »";
    RestoreDoneDir => "{}: {} files restored from {} into {}", "{} : {} fichiers restaurés depuis {} dans {}";
    RestoreUsage => "usage: :restore ADDRESS (a mailbox, live or removed)", "usage : :restore ADRESSE (une boîte, active ou supprimée)";
    RestoreNotConfigured => "no backup is configured ([backup] in the config)", "aucune sauvegarde n'est configurée ([backup] dans la configuration)";
    ButtonRestore => "Restore", "Restaurer";
    // DNS self-check (`dns check`): findings and fixes
    DnsLookupFailed => "{} could not be looked up ({}); the result is unknown, try again later.", "{} n'a pas pu être résolu ({}) ; résultat inconnu, réessayez plus tard.";
    DnsSkipNotOffered => "The service does not offer this; nothing to check.", "Le service ne propose pas cela ; rien à vérifier.";
    DnsSkipNotConfigured => "The service has not said what to expect here.", "Le service n'a pas indiqué ce qui est attendu ici.";
    DnsSkipNeedsMx => "Checked once the domain has MX records.", "Vérifié quand le domaine aura des enregistrements MX.";
    DnsSkipNeedsSpf => "Checked once the domain has exactly one SPF record.", "Vérifié quand le domaine aura exactement un enregistrement SPF.";
    DnsSkipNeedsDkim => "Checked once the DKIM records are published.", "Vérifié quand les enregistrements DKIM seront publiés.";
    DnsSkipNeedsDmarc => "Checked once a DMARC record is published.", "Vérifié quand un enregistrement DMARC sera publié.";
    DnsSkipNoOutbound => "The service has no outbound address configured.", "Le service n'a aucune adresse sortante configurée.";
    DnsMxPresentOk => "{} receives mail at {}.", "{} reçoit le courrier via {}.";
    DnsMxPresentNone => "{} has no MX record: senders cannot tell where to deliver its mail.", "{} n'a aucun enregistrement MX : les expéditeurs ne savent pas où livrer son courrier.";
    DnsMxPresentNxdomain => "{} does not exist in DNS.", "{} n'existe pas dans le DNS.";
    DnsMxPresentNull => "{} publishes a null MX (RFC 7505): it declares that it accepts no mail.", "{} publie un MX nul (RFC 7505) : il déclare n'accepter aucun courrier.";
    DnsMxOursOk => "Every MX target is the service's.", "Toutes les cibles MX sont celles du service.";
    DnsMxOursSome => "Some MX targets are not the service's ({}): mail delivered there bypasses the service.", "Certaines cibles MX ne sont pas celles du service ({}) : le courrier livré là contourne le service.";
    DnsMxOursNone => "No MX target is the service's ({}): mail for the domain does not reach the service.", "Aucune cible MX n'est celle du service ({}) : le courrier du domaine n'arrive pas au service.";
    DnsMxTargetValidOk => "Every MX target has an address and is not an alias.", "Chaque cible MX a une adresse et n'est pas un alias.";
    DnsMxTargetValidUnresolved => "MX target {} has no address (A or AAAA): mail to it cannot be delivered.", "La cible MX {} n'a pas d'adresse (A ou AAAA) : le courrier ne peut pas y être livré.";
    DnsMxTargetValidCname => "MX target {} is an alias (CNAME) of {}; RFC 5321 requires the real name.", "La cible MX {} est un alias (CNAME) de {} ; la RFC 5321 exige le vrai nom.";
    DnsMxFixAdd => "Publish MX records naming the service's mail hosts.", "Publiez des enregistrements MX nommant les serveurs de courrier du service.";
    DnsMxFixTarget => "Point the MX record at {} instead of {}.", "Faites pointer l'enregistrement MX vers {} au lieu de {}.";
    DnsSpfPresentOk => "{} publishes SPF: {}", "{} publie un SPF : {}";
    DnsSpfPresentNone => "{} publishes no SPF record: receivers cannot tell which servers may send its mail.", "{} ne publie aucun SPF : les destinataires ne savent pas quels serveurs peuvent envoyer son courrier.";
    DnsSpfSingleOk => "There is exactly one SPF record.", "Il y a exactement un enregistrement SPF.";
    DnsSpfSingleSeveral => "{} publishes {} SPF records; receivers must treat that as an error (permerror). Merge them into one.", "{} publie {} enregistrements SPF ; les destinataires doivent le traiter comme une erreur (permerror). Fusionnez-les en un seul.";
    DnsSpfSyntaxOk => "The SPF record and the records it includes are valid.", "L'enregistrement SPF et ceux qu'il inclut sont valides.";
    DnsSpfSyntaxTerm => "SPF error in {}: {}. Receivers answer permerror.", "Erreur SPF dans {} : {}. Les destinataires répondent permerror.";
    DnsSpfSyntaxNoRecord => "{} is included or redirected to but publishes no SPF record: receivers answer permerror.", "{} est inclus ou redirigé mais ne publie aucun SPF : les destinataires répondent permerror.";
    DnsSpfSyntaxSeveralIncluded => "{} (included) publishes {} SPF records: receivers answer permerror.", "{} (inclus) publie {} enregistrements SPF : les destinataires répondent permerror.";
    DnsSpfSyntaxLoop => "{} includes itself, directly or not: receivers answer permerror.", "{} s'inclut lui-même, directement ou non : les destinataires répondent permerror.";
    DnsSpfSyntaxTooManyMx => "{} has {} MX records, more than the 10 an mx term may use: receivers answer permerror.", "{} a {} enregistrements MX, plus que les 10 qu'un terme mx peut utiliser : permerror.";
    DnsSpfSyntaxPtr => "The SPF record uses the deprecated ptr mechanism (in {}): it is slow, unreliable and ignored by some receivers.", "L'enregistrement SPF utilise le mécanisme ptr, déconseillé (dans {}) : lent, peu fiable et ignoré par certains destinataires.";
    DnsSpfFixPtr => "Replace ptr with ip4:/ip6: terms or a:host terms.", "Remplacez ptr par des termes ip4:/ip6: ou a:hôte.";
    DnsSpfFixSyntax => "Correct the record; for instance publish: {}", "Corrigez l'enregistrement ; par exemple publiez : {}";
    DnsSpfLookupLimitOk => "DNS lookups SPF needs: {} (the limit is 10).", "Requêtes DNS nécessaires au SPF : {} (la limite est 10).";
    DnsSpfLookupLimitOver => "DNS lookups SPF needs: {}; above 10, receivers answer permerror and the record is ignored.", "Requêtes DNS nécessaires au SPF : {} ; au-delà de 10, les destinataires répondent permerror et l'ignorent.";
    DnsSpfLookupLimitPartial => "DNS lookups counted: {} at least, but {} could not be looked up ({}).", "Requêtes DNS comptées : au moins {}, mais {} n'a pas pu être résolu ({}).";
    DnsSpfFixLookups => "Remove include:, a, mx, ptr and exists: terms that are not needed, or replace them with ip4:/ip6: ranges.", "Retirez les termes include:, a, mx, ptr et exists: inutiles, ou remplacez-les par des plages ip4:/ip6:.";
    DnsSpfVoidLimitOk => "SPF lookups that find nothing: {} (the limit is 2).", "Requêtes SPF qui ne trouvent rien : {} (la limite est 2).";
    DnsSpfVoidLimitOver => "SPF lookups that find nothing: {}; above 2, receivers answer permerror.", "Requêtes SPF qui ne trouvent rien : {} ; au-delà de 2, les destinataires répondent permerror.";
    DnsSpfFixVoids => "Remove the terms that name hosts or domains without records.", "Retirez les termes qui nomment des hôtes ou domaines sans enregistrement.";
    DnsSpfAllOk => "The SPF record ends with {}: other servers are refused.", "L'enregistrement SPF se termine par {} : les autres serveurs sont refusés.";
    DnsSpfAllPass => "The SPF record ends with +all: any server in the world may send mail as {}.", "L'enregistrement SPF se termine par +all : n'importe quel serveur peut envoyer au nom de {}.";
    DnsSpfAllNeutral => "The SPF record ends with ?all: servers not listed are neither allowed nor refused.", "L'enregistrement SPF se termine par ?all : les serveurs non listés ne sont ni autorisés ni refusés.";
    DnsSpfAllMissing => "The SPF record has no all term: servers not listed get neutral.", "L'enregistrement SPF n'a pas de terme all : les serveurs non listés obtiennent neutral.";
    DnsSpfFixAll => "End the record with -all (or ~all while testing).", "Terminez l'enregistrement par -all (ou ~all pendant les essais).";
    DnsSpfAuthorizesOursOk => "The service's outbound addresses pass SPF ({}).", "Les adresses sortantes du service passent le SPF ({}).";
    DnsSpfAuthorizesOursFail => "SPF gives {} for the service's address {}: mail the service sends for {} may be rejected.", "Le SPF donne {} pour l'adresse du service {} : le courrier envoyé par le service pour {} risque d'être refusé.";
    DnsSpfAuthorizesOursFailBy => "{} decides: SPF gives {} for the service's address {}, so mail the service sends for {} may be rejected.", "{} décide : le SPF donne {} pour l'adresse du service {}, le courrier envoyé par le service pour {} risque donc d'être refusé.";
    DnsSpfAuthorizesOursFailDefault => "No term matches: SPF gives {} (its default) for the service's address {}, so mail the service sends for {} may be rejected.", "Aucun terme ne correspond : le SPF donne {} (par défaut) pour l'adresse du service {}, le courrier envoyé par le service pour {} risque donc d'être refusé.";
    DnsSpfLookupLimitOverBy => "{} adds {} DNS lookups: the record needs {}, above the 10 RFC 7208 allows, so receivers answer permerror and ignore it.", "{} ajoute {} requêtes DNS : l'enregistrement en demande {}, au-delà des 10 permises par la RFC 7208, les destinataires répondent donc permerror et l'ignorent.";
    DnsSpfFixLookupsBy => "Replace {} with the ip4:/ip6: ranges it stands for (or remove it if no mail leaves from there), and drop the other include:, a, mx, ptr and exists: terms that are not needed.", "Remplacez {} par les plages ip4:/ip6: qu'il représente (ou retirez-le si aucun courrier ne part de là), et retirez les autres termes include:, a, mx, ptr et exists: inutiles.";
    DnsSpfFixErrors => "The record already names the service: correct the SPF errors reported above.", "L'enregistrement nomme déjà le service : corrigez les erreurs SPF signalées ci-dessus.";
    DnsSpfAuthorizesOursTemperror => "SPF evaluation for {} met a DNS error (temperror); the result is unknown.", "L'évaluation SPF pour {} a rencontré une erreur DNS (temperror) ; résultat inconnu.";
    SpfTraceMatch => "match", "correspond";
    SpfTraceNoMatch => "no match", "ne correspond pas";
    SpfTraceNoRecord => "no SPF record", "pas d'enregistrement SPF";
    SpfTraceSeveral => "several SPF records: {}", "plusieurs enregistrements SPF : {}";
    SpfTraceInvalid => "invalid record: {}", "enregistrement invalide : {}";
    SpfTraceSeveralModifiers => "several {}= modifiers", "plusieurs modificateurs {}=";
    SpfTraceLookup => "lookup {}/10", "requête {}/10";
    SpfTraceVoid => "finds nothing ({}/2)", "ne trouve rien ({}/2)";
    SpfTraceDefault => "nothing matched: neutral", "rien ne correspond : neutral";
    SpfTraceError => "error: {}", "erreur : {}";
    SpfTraceErrorThen => "error: {} → {}", "erreur : {} → {}";
    Verbatim => "{}", "{}";
    SpfTraceLimit => "lookup limit exceeded", "limite de requêtes dépassée";
    SpfTracePtrLimit => "more than 10 PTR names: the rest is ignored", "plus de 10 noms PTR : les autres sont ignorés";
    SpfTraceValidated => "validated", "validé";
    SpfTraceNoValidated => "no validated name: unknown", "aucun nom validé : unknown";
    SpfTraceInvalidTarget => "invalid target name", "nom cible invalide";
    SpfTraceDefaultExplanation => "no exp=: the receiver's own explanation", "pas d'exp= : l'explication du destinataire";
    DnsDkimNone => "postier holds no DKIM key for {}.", "postier ne détient aucune clé DKIM pour {}.";
    DnsDkimFixGenerate => "An admin runs: postier dkim generate {}", "Un admin lance : postier dkim generate {}";
    DnsDkimPresentOk => "DKIM keys are published at {}.", "Les clés DKIM sont publiées en {}.";
    DnsDkimPresentMissing => "No DKIM key is published at {}: the service's signatures cannot be verified.", "Aucune clé DKIM n'est publiée en {} : les signatures du service ne peuvent pas être vérifiées.";
    DnsDkimPresentUpcoming => "The {} key is not published at {}.", "La clé {} n'est pas publiée en {}.";
    DnsDkimMatchesKeyOk => "The published keys are the service's.", "Les clés publiées sont celles du service.";
    DnsDkimMatchesKeyDiffers => "The key published at {} is not the one the service signs with.", "La clé publiée en {} n'est pas celle avec laquelle le service signe.";
    DnsDkimMatchesKeyRevoked => "The key at {} is revoked (empty p=).", "La clé en {} est révoquée (p= vide).";
    DnsDkimKeySizeOk => "Key sizes are fine ({}).", "Les tailles de clé conviennent ({}).";
    DnsDkimKeySizeWeak => "The key at {} is RSA {} bits: below 1024 bits receivers ignore it.", "La clé en {} est RSA {} bits : en dessous de 1024 bits les destinataires l'ignorent.";
    DnsDkimKeySizeShort => "The key at {} is RSA {} bits; 2048 bits are recommended.", "La clé en {} est RSA {} bits ; 2048 bits sont recommandés.";
    DnsDkimKeySizeUnreadable => "The key at {} cannot be read as a public key.", "La clé en {} n'est pas une clé publique lisible.";
    DnsDkimFixRotate => "An admin runs: postier dkim rotate {}", "Un admin lance : postier dkim rotate {}";
    DnsDkimTestingOk => "No key is in testing mode.", "Aucune clé n'est en mode test.";
    DnsDkimTestingOn => "The key at {} has t=y (testing): receivers may ignore its signatures.", "La clé en {} a t=y (test) : les destinataires peuvent ignorer ses signatures.";
    DnsDmarcPresentOk => "DMARC is published at {}.", "DMARC est publié en {}.";
    DnsDmarcPresentInherited => "No DMARC record at {}; the one of the organizational domain ({}) applies.", "Pas d'enregistrement DMARC en {} ; celui du domaine organisationnel ({}) s'applique.";
    DnsDmarcPresentNone => "No DMARC record at {} nor for its organizational domain: receivers apply no policy.", "Aucun enregistrement DMARC en {} ni pour son domaine organisationnel : aucune politique n'est appliquée.";
    DnsDmarcSyntaxOk => "The DMARC record is valid.", "L'enregistrement DMARC est valide.";
    DnsDmarcSyntaxError => "The DMARC record at {} is invalid: {}.", "L'enregistrement DMARC en {} est invalide : {}.";
    DnsDmarcSyntaxSeveral => "{} DMARC records at {}: receivers ignore them all.", "{} enregistrements DMARC en {} : les destinataires les ignorent tous.";
    DnsDmarcPolicyOk => "The DMARC policy is {} (at least {} is expected).", "La politique DMARC est {} (au moins {} est attendu).";
    DnsDmarcPolicyWeak => "The DMARC policy is {}, weaker than {}: mail forged in the domain's name is not stopped.", "La politique DMARC est {}, plus faible que {} : le courrier usurpant le domaine n'est pas bloqué.";
    DnsDmarcPolicyPartial => "The DMARC policy {} applies to only {}% of failing mail.", "La politique DMARC {} ne s'applique qu'à {} % du courrier en échec.";
    DnsDmarcReportAuthOk => "Report destinations accept the domain's reports.", "Les destinations des rapports acceptent ceux du domaine.";
    DnsDmarcReportAuthNone => "The DMARC record asks for no reports.", "L'enregistrement DMARC ne demande aucun rapport.";
    DnsDmarcReportAuthMissing => "{} has not agreed to receive DMARC reports for {} (RFC 7489 §7.1): receivers will not send them.", "{} n'a pas accepté de recevoir les rapports DMARC de {} (RFC 7489 §7.1) : ils ne seront pas envoyés.";
    DnsDmarcFixReportAuth => "The administrator of {} publishes: {}", "L'administrateur de {} publie : {}";
    DnsPtrOutboundOk => "Outbound addresses have forward-confirmed reverse DNS ({}).", "Les adresses sortantes ont un DNS inverse confirmé ({}).";
    DnsPtrOutboundMissing => "The outbound address {} has no reverse DNS (PTR): many receivers refuse its mail.", "L'adresse sortante {} n'a pas de DNS inverse (PTR) : beaucoup de destinataires refusent son courrier.";
    DnsPtrOutboundUnconfirmed => "The outbound address {} has reverse name {}, which does not resolve back to {}.", "L'adresse sortante {} a pour nom inverse {}, qui ne renvoie pas vers {}.";
    DnsPtrFix => "Ask the network provider for a PTR record {} → {}, and publish {} → {}.", "Demandez à l'hébergeur réseau un PTR {} → {}, et publiez {} → {}.";
    DnsMtaStsPresentOk => "MTA-STS is announced at {} (id {}).", "MTA-STS est annoncé en {} (id {}).";
    DnsMtaStsPresentNone => "No MTA-STS record at {}: senders may deliver without TLS.", "Aucun enregistrement MTA-STS en {} : les expéditeurs peuvent livrer sans TLS.";
    DnsMtaStsPresentInvalid => "The MTA-STS record at {} is invalid: {}.", "L'enregistrement MTA-STS en {} est invalide : {}.";
    DnsMtaStsPresentNoHost => "The MTA-STS policy host {} has no address: senders cannot fetch the policy.", "L'hôte de politique MTA-STS {} n'a pas d'adresse : les expéditeurs ne peuvent pas lire la politique.";
    DnsMtaStsFixHost => "Publish {} (A/AAAA, or a CNAME) for the web server that serves the MTA-STS policy.", "Publiez {} (A/AAAA, ou un CNAME) pour le serveur web qui sert la politique MTA-STS.";
    DnsTlsRptPresentOk => "TLS reporting is set up at {}.", "Les rapports TLS sont configurés en {}.";
    DnsTlsRptPresentNone => "No TLS-RPT record at {}: TLS delivery problems go unreported.", "Aucun enregistrement TLS-RPT en {} : les problèmes de livraison TLS ne sont pas signalés.";
    DnsTlsRptPresentInvalid => "The TLS-RPT record at {} is invalid: {}.", "L'enregistrement TLS-RPT en {} est invalide : {}.";
    DnsNsSerialsOk => "The name servers of {} agree on the zone serial ({}).", "Les serveurs de noms de {} s'accordent sur le numéro de série de la zone ({}).";
    DnsNsSerialsStale => "{} serves serial {} but the newest is {}: it is behind, and answers for {} may be stale.", "{} sert le numéro de série {} alors que le plus récent est {} : il est en retard, ses réponses pour {} peuvent être périmées.";
    DnsNsFixStale => "Check the zone transfers (NOTIFY, AXFR/IXFR) from the primary to {}.", "Vérifiez les transferts de zone (NOTIFY, AXFR/IXFR) du primaire vers {}.";
    DnsAutoconfigSrvOk => "Mail clients find the service's IMAP and submission servers (SRV).", "Les logiciels de messagerie trouvent les serveurs IMAP et d'envoi du service (SRV).";
    DnsAutoconfigSrvMissing => "No SRV record at {}: mail clients must be set up by hand.", "Aucun enregistrement SRV en {} : les logiciels de messagerie doivent être configurés à la main.";
    DnsAutoconfigSrvElsewhere => "{} points at {} port {}, not at {}.", "{} pointe vers {} port {}, pas vers {}.";
    // `hooks` commands
    ColHook => "HOOK", "CROCHET";
    ColPending => "PENDING", "EN ATTENTE";
    ColFailed => "FAILED", "EN ÉCHEC";
    ColLastDelivered => "LAST DELIVERED", "DERNIER LIVRÉ";
    ColOldest => "OLDEST", "PLUS ANCIEN";
    CliHooksNone => "no [[hooks]] configured", "aucun [[hooks]] configuré";
    CliHookDelivered => "{}: {} delivered", "{} : {} livré(s)";
    CliHookParked => "{}: parked at event {} (postier hooks retry {} | postier hooks skip {} {}): {}", "{} : bloqué à l'événement {} (postier hooks retry {} | postier hooks skip {} {}) : {}";
    CliHookWaiting => "{}: event {} failed, next attempt at {}: {}", "{} : l'événement {} a échoué, nouvel essai à {} : {}";
    CliHookBusy => "{}: delivered by another consumer now", "{} : livré par un autre consommateur en ce moment";
    CliHookHead => "{}: at event {}, {} failed attempt(s){}", "{} : à l'événement {}, {} essai(s) en échec{}";
    CliHookParkedNote => ", parked: later events wait behind it", ", bloqué : les événements suivants attendent derrière";
    CliHookRetry => "{}: event {} will be tried again", "{} : l'événement {} sera réessayé";
    CliHookSkipped => "{}: event {} skipped (not delivered to this hook)", "{} : événement {} sauté (non livré à ce crochet)";
    CliHookTest => "{}: test event {}", "{} : événement de test {}";
    // `backup` commands
    ColArchive => "ARCHIVE", "ARCHIVE";
    ColStarted => "STARTED", "DÉBUT";
    ColMaildirs => "MAILDIRS", "MAILDIRS";
    ColMaildir => "MAILDIR", "MAILDIR";
    BackupLive => "live", "active";
    BackupRemoved => "removed", "supprimée";
    BackupPruned => "pruned {}", "élaguée {}";
    BackupWouldArchive => "would archive as {}:", "serait archivé sous {} :";
    BackupRunStats => "  {} files, {} bytes, {} bytes new in the repository", "  {} fichiers, {} octets, {} octets nouveaux dans le dépôt";
    BackupRunHeld => "  {} maildirs held whole", "  {} maildirs archivés en entier";
    BackupNotArchived => "  not archived: {}", "  non archivé : {}";
    BackupLastRun => "last run:      {} ({}), {} to {}", "dernier passage : {} ({}), de {} à {}";
    BackupLastRunNone => "last run:      none", "dernier passage : aucun";
    BackupLastRunError => "  error:       {}", "  erreur :        {}";
    BackupLastSuccess => "last success:  {} ({} ago)", "dernier succès :  {} (il y a {})";
    BackupLastSuccessNever => "last success:  never", "dernier succès :  jamais";
    BackupUnprotected => "unprotected:   {}", "non protégées :   {}";
    BackupPendingPurge => "pending purge: {}", "purges en attente : {}";
    BackupWaitsArchive => "waits for an archive made after its removal", "attend une archive faite après sa suppression";
    BackupWaitsUntil => "held by {}, waits until {}", "dans {}, attend jusqu'au {}";
    BackupReady => "ready to purge", "prête à être purgée";
    BackupRemote => "in the repository: {}", "dans le dépôt : {}";
    BackupRestoredFolder => "folder \"{}\" of {}", "dossier « {} » de {}";
    BackupRestored => "restored {} ({} files) from {} into {}", "{} restauré ({} fichiers) depuis {} dans {}";
    BackupPurged => "purged {} ({}, held by {})", "purgée : {} ({}, dans {})";
    BackupWouldPurge => "would purge {} ({}, held by {})", "serait purgée : {} ({}, dans {})";
    BackupKept => "kept {} ({}): {}", "gardée : {} ({}) : {}";
    BackupRefused => "refused {} ({}): {}", "refusée : {} ({}) : {}";
    BackupPruneDone => "pruned {} archive(s), {} kept", "{} archive(s) élaguée(s), {} gardée(s)";
    BackupPruneWould => "would prune {} archive(s), {} kept (nothing deleted)", "{} archive(s) seraient élaguée(s), {} gardée(s) (rien n'est supprimé)";
    // Health (monitoring checks in the TUI)
    ViewHealth => "Health", "Santé";
    KeyHealth => "health", "santé";
    HealthOk => "OK", "OK";
    HealthWarning => "WARNING", "ATTENTION";
    HealthCritical => "CRITICAL", "CRITIQUE";
    HealthUnknown => "UNKNOWN", "INCONNU";
    HealthNoDetail => "Nothing more to say.", "Rien de plus à dire.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_picks_the_language() {
        assert_eq!(Lang::from_locale("fr_FR.UTF-8"), Lang::Fr);
        assert_eq!(Lang::from_locale("fr"), Lang::Fr);
        assert_eq!(Lang::from_locale("fr_CA@euro"), Lang::Fr);
        assert_eq!(Lang::from_locale("en_GB.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        assert_eq!(Lang::from_locale(""), Lang::En);
        assert_eq!(Lang::from_locale("frisian"), Lang::En);
    }

    #[test]
    fn every_message_has_the_same_parameters_in_both_languages() {
        for msg in Msg::ALL {
            let en = msg.text(Lang::En).matches("{}").count();
            let fr = msg.text(Lang::Fr).matches("{}").count();
            assert_eq!(en, fr, "{msg:?}");
            assert!(!msg.text(Lang::Fr).is_empty(), "{msg:?}");
        }
    }

    #[test]
    fn fills_parameters_in_order() {
        assert_eq!(
            Lang::En.fmt(Msg::DoneAdded, &["mailbox", "a@example.org"]),
            "mailbox a@example.org added"
        );
        assert_eq!(
            Lang::Fr.fmt(Msg::DoneRemoved, &["boîte", "a@example.org"]),
            "boîte a@example.org supprimé(e)"
        );
    }
}

/// What an error is about (an [`crate::Error`]'s `what`), in French; each
/// value is one word (a name, an address, a path).
const ERROR_SUBJECTS: &[(&str, &str)] = &[
    // Import: rows of a file (before "mailbox {}" and the like, which would
    // read "mailbox row" as a mailbox named "row").
    ("domain row", "ligne de domaine"),
    ("alias_domain row", "ligne de domaine alias"),
    ("mailbox row", "ligne de boîte"),
    ("alias row", "ligne d'alias"),
    ("domainalias row", "ligne domainalias"),
    ("account row", "ligne account"),
    ("account line", "ligne de compte"),
    ("CSV row", "ligne CSV"),
    ("CSV header", "en-tête CSV"),
    ("column {} ({})", "colonne {} ({})"),
    ("field {}", "champ {}"),
    ("row type {}", "type de ligne {}"),
    ("quota of {}", "quota de {}"),
    ("quota unlimited", "quota illimité"),
    ("limit {}", "limite {}"),
    ("name", "nom"),
    ("password", "mot de passe"),
    ("password hash", "empreinte du mot de passe"),
    ("password hashing", "hachage des mots de passe"),
    ("local part {}", "partie locale {}"),
    (
        "PostfixAdmin database {}",
        "base de données PostfixAdmin {}",
    ),
    ("plan step {}", "étape de plan {}"),
    ("alias domain {}", "domaine alias {}"),
    ("mailbox {}", "boîte {}"),
    ("domain {}", "domaine {}"),
    ("alias {}", "alias {}"),
    ("directory {}", "annuaire {}"),
    ("directory", "annuaire"),
    ("size {}", "taille {}"),
    ("quota {}", "quota {}"),
    ("date {}", "date {}"),
    ("file {}", "fichier {}"),
    ("address {}", "adresse {}"),
    ("DKIM key of {}", "clé DKIM de {}"),
    ("DKIM keys of {}", "clés DKIM de {}"),
    ("target {} of alias {}", "destination {} de l'alias {}"),
    ("usage", "usage"),
    ("--to {}", "répertoire {}"),
    ("archive {} holding {}", "archive {} contenant {}"),
    ("an archive holding {}", "une archive contenant {}"),
    ("restore of {} from {}", "restauration de {} depuis {}"),
    ("restore into {}", "restauration dans {}"),
    ("backup catalogue {}", "catalogue des sauvegardes {}"),
];

/// Error texts (an [`crate::Error`]'s why and hint, and clap's usage
/// lines) in French: English templates, `{}` standing for the values they
/// quote (addresses, sizes, paths, commands), which are kept as they are.
/// Library errors are worded in English, what scripts and logs see; people
/// read them in their language through [`error_line`].
const ERROR_TEXTS: &[(&str, &str)] = &[
    // why
    ("not found", "introuvable"),
    (
        "no such file or directory",
        "fichier ou dossier introuvable",
    ),
    ("permission denied", "permission refusée"),
    ("check the path", "vérifiez le chemin"),
    ("already exists", "existe déjà"),
    ("nothing to change", "rien à changer"),
    ("is negative", "est négative"),
    (
        "does not start with a number",
        "ne commence pas par un nombre",
    ),
    ("has an unknown unit {}", "a une unité inconnue {}"),
    ("is too large", "est trop grande"),
    ("is not a date", "n'est pas une date"),
    ("{} does not exist", "{} n'existe pas"),
    (
        "needs at least one target",
        "demande au moins une destination",
    ),
    (
        "would only point at itself",
        "ne renverrait que vers lui-même",
    ),
    (
        "cannot point at itself",
        "ne peut pas renvoyer vers lui-même",
    ),
    ("is an alias domain of {}", "est un domaine alias de {}"),
    (
        "has reached its limit of {} mailboxes",
        "a atteint sa limite de {} boîtes",
    ),
    (
        "has reached its limit of {} aliases",
        "a atteint sa limite de {} alias",
    ),
    (
        "would exceed domain {}'s total quota of {} ({} still free)",
        "dépasserait le quota total du domaine {}, soit {} (encore {} de libre)",
    ),
    (
        "still has {} mailboxes, {} aliases and {} alias domains",
        "contient encore {} boîtes, {} alias et {} domaines alias",
    ),
    (
        "was changed by someone else (version {}, you edited version {})",
        "a été modifié par quelqu'un d'autre (version {}, vous modifiiez la version {})",
    ),
    (
        "was changed by someone else while you edited it",
        "a été modifié par quelqu'un d'autre pendant votre modification",
    ),
    (
        "another change to the same object came first; try again",
        "une autre modification du même objet est passée avant ; réessayez",
    ),
    (
        "is already an alias (Postfix would hand the mailbox's mail to the alias)",
        "est déjà un alias (Postfix donnerait le courrier de la boîte à l'alias)",
    ),
    (
        "is already a mailbox (Postfix would hand the mailbox's mail to the alias)",
        "est déjà une boîte (Postfix donnerait le courrier de la boîte à l'alias)",
    ),
    (
        "target {} is in a domain postier hosts, but no mailbox or alias has that address",
        "la destination {} est dans un domaine hébergé, mais aucune boîte ni aucun alias n'a cette adresse",
    ),
    (
        "is a target of the aliases {}",
        "est la destination des alias {}",
    ),
    (
        "is the only target of alias {}",
        "est la seule destination de l'alias {}",
    ),
    (
        "has a total quota of {} but no default quota, so a mailbox added without a quota could not be created",
        "a un quota total de {} mais pas de quota par défaut : une boîte ajoutée sans quota ne pourrait être créée",
    ),
    (
        "is not published in DNS yet, so it does not sign yet",
        "n'est pas encore publiée dans le DNS : elle ne signe donc pas encore",
    ),
    ("cannot connect to {}: {}", "connexion impossible à {} : {}"),
    ("no answer within {} s", "pas de réponse en {} s"),
    (
        "no answer from {} within {} s",
        "pas de réponse de {} en {} s",
    ),
    (
        "the server stopped during the request ({})",
        "le serveur s'est arrêté pendant la requête ({})",
    ),
    (
        "the connection to the server was lost ({})",
        "la connexion au serveur a été perdue ({})",
    ),
    (
        "no connection to the server within {} s",
        "pas de connexion au serveur en {} s",
    ),
    (
        "{} is not a SQLite database or is damaged",
        "{} n'est pas une base SQLite ou est endommagé",
    ),
    ("{} cannot be written", "{} ne peut pas être écrit"),
    ("{} cannot be opened", "{} ne peut pas être ouvert"),
    (
        "{} is not a domain postier hosts",
        "{} n'est pas un domaine hébergé par postier",
    ),
    ("missing {}", "il manque {}"),
    ("unrecognized subcommand {}", "sous-commande inconnue {}"),
    ("unexpected argument {} found", "argument inattendu {}"),
    ("none given", "aucune donnée"),
    (
        "exists and is not empty: a restore never writes over anything",
        "existe et n'est pas vide : une restauration n'écrit jamais par-dessus quoi que ce soit",
    ),
    ("is not a folder name", "n'est pas un nom de dossier"),
    (
        "repository {} is not reachable: {}",
        "le dépôt {} est injoignable : {}",
    ),
    ("is not configured", "n'est pas configuré"),
    ("cannot be read: {}", "ne peut pas être lu : {}"),
    (
        "check the path given by --config or POSTIER_CONFIG",
        "vérifiez le chemin donné par --config ou POSTIER_CONFIG",
    ),
    (
        "add a [backup] table with at least repository = \"…\" (see docs/backup.md)",
        "ajoutez une table [backup] avec au moins repository = \"…\" (voir docs/fr/sauvegardes.md)",
    ),
    (
        "has no successor that is a valid selector",
        "n'a pas de successeur qui soit un sélecteur valide",
    ),
    // import: files and rows
    (
        "is not a field of a domain row",
        "n'est pas un champ d'une ligne de domaine",
    ),
    (
        "is not a field of a alias_domain row",
        "n'est pas un champ d'une ligne de domaine alias",
    ),
    (
        "is not a field of a mailbox row",
        "n'est pas un champ d'une ligne de boîte",
    ),
    (
        "is not a field of a alias row",
        "n'est pas un champ d'une ligne d'alias",
    ),
    (
        "is not a field of a {} row",
        "n'est pas un champ d'une ligne {}",
    ),
    ("has no name", "n'a pas de champ name"),
    ("has no address", "n'a pas de champ address"),
    ("has no target", "n'a pas de champ target"),
    ("has no targets", "n'a aucune destination"),
    ("is a list, not text", "est une liste, pas du texte"),
    (
        "is a map, not a value",
        "est un dictionnaire, pas une valeur",
    ),
    (
        "has both password and password_plain",
        "a à la fois password et password_plain",
    ),
    ("is not a yes/no value", "n'est pas une valeur oui/non"),
    ("is not a whole number", "n'est pas un nombre entier"),
    ("cannot be read", "ne peut pas être lu"),
    (
        "is not one postier knows",
        "n'est pas une section connue de postier",
    ),
    (
        "is not a column postier knows",
        "n'est pas une colonne connue de postier",
    ),
    (
        "has {} cells but the header names {} columns",
        "a {} cellules mais l'en-tête nomme {} colonnes",
    ),
    (
        "is not a kind of row postier knows",
        "n'est pas une sorte de ligne connue de postier",
    ),
    ("names no source", "ne nomme aucune source"),
    (
        "is not a source postier reads",
        "n'est pas une source que postier sait lire",
    ),
    ("is not UTF-8 text", "n'est pas du texte UTF-8"),
    (
        "holds no postfix-accounts.cf",
        "ne contient pas de postfix-accounts.cf",
    ),
    (
        "has no |{SCHEME}hash after the address",
        "n'a pas de |{SCHEME}hash après l'adresse",
    ),
    (
        "is for an address postfix-accounts.cf does not have",
        "concerne une adresse absente de postfix-accounts.cf",
    ),
    (
        "has {} fields, Modoboa's has at least {}",
        "a {} champs, celle de Modoboa en a au moins {}",
    ),
    (
        "is not one postier imports from Modoboa",
        "n'est pas une sorte de ligne que postier importe depuis Modoboa",
    ),
    ("also forwards to {}", "fait aussi suivre vers {}"),
    ("is a hosted domain", "est un domaine hébergé"),
    (
        "its target {} is neither in the files nor a hosted domain",
        "sa cible {} n'est ni dans les fichiers ni un domaine hébergé",
    ),
    (
        "domain {} is an alias domain of {}",
        "le domaine {} est un domaine alias de {}",
    ),
    (
        "domain {} is neither in the files nor in the directory",
        "le domaine {} n'est ni dans les fichiers ni dans l'annuaire",
    ),
    (
        "forwards only to mailboxes the import removes ({})",
        "ne fait suivre que vers des boîtes que l'import supprime ({})",
    ),
    ("is already at {}", "figure déjà en {}"),
    (
        "is new and has no password",
        "est nouvelle et n'a pas de mot de passe",
    ),
    (
        "domain {} has a total quota of {}, so its mailboxes cannot be unlimited",
        "le domaine {} a un quota total de {} : ses boîtes ne peuvent donc pas être illimitées",
    ),
    ("is unlimited", "est illimité"),
    (
        "would have {} mailboxes, over its limit of {}",
        "aurait {} boîtes, au-delà de sa limite de {}",
    ),
    (
        "would give its mailboxes {} in all, over its total quota of {}",
        "donnerait {} en tout à ses boîtes, au-delà de son quota total de {}",
    ),
    (
        "would have {} aliases, over its limit of {}",
        "aurait {} alias, au-delà de sa limite de {}",
    ),
    ("a hash is missing", "une empreinte manque"),
    (
        "is of format {}, this postier reads 1",
        "est au format {}, ce postier lit le format 1",
    ),
    (
        "was made for directory {}, not {}",
        "a été fait pour l'annuaire {}, pas pour {}",
    ),
    ("has an unknown kind {}", "a une sorte inconnue {}"),
    (
        "changed since the plan was made (version {} then, is at version {})",
        "a changé depuis que le plan a été fait (version {} alors, version {} maintenant)",
    ),
    (
        "changed since the plan was made (absent then, is at version {})",
        "a changé depuis que le plan a été fait (absent alors, version {} maintenant)",
    ),
    (
        "changed since the plan was made (version {} then, is gone)",
        "a changé depuis que le plan a été fait (version {} alors, disparu maintenant)",
    ),
    // values read from rows: names, addresses, passwords
    ("is empty", "est vide"),
    (
        "contains whitespace or control characters",
        "contient des espaces ou des caractères de contrôle",
    ),
    (
        "is not a valid (internationalized) domain name",
        "n'est pas un nom de domaine (internationalisé) valide",
    ),
    (
        "is {} octets long in lower case; the limit is {}",
        "fait {} octets en minuscules ; la limite est {}",
    ),
    (
        "is {} octets long; the limit is {}",
        "fait {} octets ; la limite est {}",
    ),
    (
        "needs at least two labels",
        "demande au moins deux étiquettes",
    ),
    (
        "has a label that is empty or longer than 63 octets",
        "a une étiquette vide ou de plus de 63 octets",
    ),
    (
        "label {} may hold only letters, digits and hyphens",
        "l'étiquette {} ne peut contenir que des lettres, des chiffres et des tirets",
    ),
    (
        "label {} starts or ends with a hyphen",
        "l'étiquette {} commence ou finit par un tiret",
    ),
    (
        "looks like an IP address, not a domain",
        "ressemble à une adresse IP, pas à un domaine",
    ),
    ("has no @", "n'a pas de @"),
    ("contains the character {}", "contient le caractère {}"),
    (
        "has a dot at the start or end, or two in a row",
        "a un point au début ou à la fin, ou deux de suite",
    ),
    (
        "contains {}, which an address cannot hold here",
        "contient {}, qu'une adresse ne peut pas contenir ici",
    ),
    (
        "contains a line break or control character",
        "contient un saut de ligne ou un caractère de contrôle",
    ),
    (
        "is shorter than {} characters",
        "fait moins de {} caractères",
    ),
    (
        "the {} hash is empty or contains whitespace",
        "l'empreinte {} est vide ou contient des espaces",
    ),
    (
        "a {} hash must start with {}",
        "une empreinte {} doit commencer par {}",
    ),
    (
        "a {} hash must be base64 (or hex), as doveadm pw writes it",
        "une empreinte {} doit être en base64 (ou en hexadécimal), comme l'écrit doveadm pw",
    ),
    (
        "a {} hash holds a {}-byte digest then a salt, this one {} bytes",
        "une empreinte {} contient un condensé de {} octets puis un sel, celle-ci en fait {}",
    ),
    (
        "a {} hash holds a {}-byte digest, this one {} bytes",
        "une empreinte {} contient un condensé de {} octets, celle-ci en fait {}",
    ),
    (
        "{} is the password itself, not a hash",
        "{} est le mot de passe lui-même, pas une empreinte",
    ),
    (
        "scheme {} is not supported",
        "le schéma {} n'est pas pris en charge",
    ),
    (
        "does not start with {SCHEME}",
        "ne commence pas par {SCHEME}",
    ),
    (
        "is neither {SCHEME}… nor a crypt hash postier knows",
        "n'est ni {SCHEME}… ni une empreinte crypt connue de postier",
    ),
    // hints
    ("see: {}", "voir : {}"),
    (
        "name the new selector: {}",
        "nommez le nouveau sélecteur : {}",
    ),
    (
        "show it again and redo your change",
        "affichez-le de nouveau et refaites votre modification",
    ),
    ("try again", "réessayez"),
    ("name a new directory", "indiquez un nouveau répertoire"),
    (
        "remove them first, or pass --cascade to remove them with the domain",
        "supprimez-les d'abord, ou ajoutez --cascade pour les supprimer avec le domaine",
    ),
    ("raise it with: {}", "augmentez-la avec : {}"),
    ("change it with: {}", "modifiez-la avec : {}"),
    ("add targets with: {}", "ajoutez des destinations avec : {}"),
    (
        "remove the alias first ({}), or choose another address",
        "supprimez d'abord l'alias ({}), ou choisissez une autre adresse",
    ),
    (
        "choose another address, or remove the mailbox first",
        "choisissez une autre adresse, ou supprimez d'abord la boîte",
    ),
    (
        "check the spelling, or create {} first; addresses outside the hosted domains are free",
        "vérifiez l'orthographe, ou créez d'abord {} ; les adresses hors des domaines hébergés sont libres",
    ),
    (
        "remove it from them too with --detach, or edit those aliases first",
        "retirez-la aussi de ces alias avec --detach, ou modifiez-les d'abord",
    ),
    (
        "remove that alias first ({}), or give it another target",
        "supprimez d'abord cet alias ({}), ou donnez-lui une autre destination",
    ),
    (
        "give a default quota too with --default-quota SIZE, or a mailbox limit to share the total between",
        "donnez aussi un quota par défaut avec --default-quota TAILLE, ou un nombre maximal de boîtes entre lesquelles partager le total",
    ),
    (
        "check the path; to start a new directory there: {}",
        "vérifiez le chemin ; pour y créer un nouvel annuaire : {}",
    ),
    (
        "is the database server running and listening there? Check [directory] url",
        "le serveur de base de données tourne-t-il et écoute-t-il là ? Vérifiez [directory] url",
    ),
    (
        "is the database server running? Check [directory] url",
        "le serveur de base de données tourne-t-il ? Vérifiez [directory] url",
    ),
    (
        "is the database server up and not overloaded? Check [directory] url",
        "le serveur de base de données est-il en marche et pas surchargé ? Vérifiez [directory] url",
    ),
    (
        "restore it from your backup, or check that [directory] url names the right file",
        "restaurez-le depuis votre sauvegarde, ou vérifiez que [directory] url désigne le bon fichier",
    ),
    (
        "fix its permissions: you need write access to the file and to its folder",
        "corrigez ses droits : il faut pouvoir écrire le fichier et son dossier",
    ),
    ("add it first: {}", "ajoutez-le d'abord : {}"),
    (
        "add {} to the files, or check the spelling",
        "ajoutez {} aux fichiers, ou vérifiez l'orthographe",
    ),
    (
        "raise max_mailboxes in the files, or import fewer mailboxes",
        "augmentez max_mailboxes dans les fichiers, ou importez moins de boîtes",
    ),
    (
        "raise the domain's quota in the files, or lower mailbox quotas",
        "augmentez le quota du domaine dans les fichiers, ou baissez ceux des boîtes",
    ),
    (
        "write bytes or a number with a unit, e.g. 500M, 2G, 1GiB; 0 means unlimited",
        "écrivez des octets ou un nombre avec une unité, par ex. 500M, 2G, 1GiB ; 0 signifie illimité",
    ),
    (
        "write YYYY-MM-DD, e.g. 2026-11-30, or an RFC 3339 time",
        "écrivez AAAA-MM-JJ, par ex. 2026-11-30, ou une heure RFC 3339",
    ),
    (
        "name at least one field to change (see --help)",
        "nommez au moins un champ à changer (voir --help)",
    ),
    // import hints
    ("use: {}", "possibles : {}"),
    ("keep one of them", "n'en gardez qu'un"),
    (
        "give a hash ({SCHEME}… or $6$…), 'generate', or put a plaintext under password_plain",
        "donnez une empreinte ({SCHEME}… ou $6$…), 'generate', ou mettez un mot de passe en clair sous password_plain",
    ),
    (
        "give a longer one, or password: generate",
        "donnez-en un plus long, ou password: generate",
    ),
    (
        "keep a name on one line",
        "gardez le nom sur une seule ligne",
    ),
    ("write true or false", "écrivez true ou false"),
    ("0 means unlimited", "0 signifie illimité"),
    (
        "sections are domains, alias_domains, mailboxes, aliases; each a list of maps",
        "les sections sont domains, alias_domains, mailboxes, aliases ; chacune une liste de dictionnaires",
    ),
    (
        "use domains, alias_domains, mailboxes, aliases",
        "utilisez domains, alias_domains, mailboxes, aliases",
    ),
    ("columns: {}", "colonnes : {}"),
    (
        "a file without a kind column holds mailboxes: {}",
        "un fichier sans colonne kind contient des boîtes : {}",
    ),
    (
        "quote cells that hold the separator",
        "mettez entre guillemets les cellules qui contiennent le séparateur",
    ),
    (
        "use domain, alias_domain, mailbox or alias",
        "utilisez domain, alias_domain, mailbox ou alias",
    ),
    (
        "write dms:DIR, modoboa-csv:FILE or postfixadmin:URL",
        "écrivez dms:DOSSIER, modoboa-csv:FICHIER ou postfixadmin:URL",
    ),
    (
        "convert it to UTF-8 first (iconv)",
        "convertissez-le d'abord en UTF-8 (iconv)",
    ),
    (
        "name docker-mailserver's config folder (docker-data/dms/config)",
        "indiquez le dossier de configuration de docker-mailserver (docker-data/dms/config)",
    ),
    (
        "postier reads domain, domainalias, account and alias rows (relay domains are not hosted mail)",
        "postier lit les lignes domain, domainalias, account et alias (les domaines de relais ne sont pas du courrier hébergé)",
    ),
    (
        "postier keeps mailboxes and aliases apart: forward with a Sieve rule, or make it an alias",
        "postier tient boîtes et alias séparés : faites suivre avec une règle Sieve, ou faites-en un alias",
    ),
    (
        "a hosted domain cannot also be an alias domain",
        "un domaine hébergé ne peut pas être aussi un domaine alias",
    ),
    (
        "add the domain to the files (or with postier domain add) first",
        "ajoutez d'abord le domaine aux fichiers (ou avec postier domain add)",
    ),
    (
        "name the alias in the files with another target, or remove it first",
        "nommez l'alias dans les fichiers avec une autre destination, ou supprimez-le d'abord",
    ),
    (
        "keep one row per object",
        "gardez une seule ligne par objet",
    ),
    (
        "give password (a hash), password_plain, or password: generate",
        "donnez password (une empreinte), password_plain, ou password: generate",
    ),
    (
        "raise max_aliases in the files, or import fewer aliases",
        "augmentez max_aliases dans les fichiers, ou importez moins d'alias",
    ),
    ("give --quota SIZE", "donnez --quota TAILLE"),
    (
        "the import was rolled back, nothing changed",
        "l'import a été annulé, rien n'a été modifié",
    ),
    (
        "the changes before it were made: run the import again to finish",
        "les changements d'avant ont été faits : relancez l'import pour finir",
    ),
    (
        "make one with: postier import FILE --plan-out PLAN",
        "créez-en un avec : postier import FICHIER --plan-out PLAN",
    ),
    (
        "nothing was applied; make the plan against this directory",
        "rien n'a été appliqué ; refaites le plan sur cet annuaire",
    ),
    (
        "nothing was applied; make the plan again",
        "rien n'a été appliqué ; refaites le plan",
    ),
    (
        "to stop an alias, remove it: postier alias rm ADDRESS",
        "pour arrêter un alias, supprimez-le : postier alias rm ADRESSE",
    ),
    // hints on values read from rows
    (
        "give a name such as example.org",
        "donnez un nom comme example.org",
    ),
    (
        "give the full domain, e.g. example.org",
        "donnez le domaine complet, par ex. example.org",
    ),
    (
        "write it as name@example.org",
        "écrivez-la sous la forme name@example.org",
    ),
    (
        "use letters, digits and . - _ + only",
        "n'utilisez que des lettres, des chiffres et . - _ +",
    ),
    (
        "use --generate-password for a strong one",
        "utilisez --generate-password pour en avoir un solide",
    ),
    (
        "import it as password_plain: postier hashes it",
        "importez-le sous password_plain : postier le hachera",
    ),
    ("supported: {}", "pris en charge : {}"),
    (
        "give a Dovecot hash such as '{SHA512-CRYPT}$6$…' (doveadm pw -s SHA512-CRYPT makes one)",
        "donnez une empreinte Dovecot comme '{SHA512-CRYPT}$6$…' (doveadm pw -s SHA512-CRYPT en fabrique une)",
    ),
    (
        "give '{SCHEME}hash', or a bare $6$, $5$, $2y$, $2b$, $1$ or $argon2id$ hash",
        "donnez '{SCHEME}hash', ou une empreinte nue $6$, $5$, $2y$, $2b$, $1$ ou $argon2id$",
    ),
];

/// The shapes of the monitoring checks' summaries (English, as monitoring
/// plugins write them) and their French, for `postier doctor`. More
/// specific shapes first.
pub const CHECK_TEXTS: &[(&str, &str)] = &[
    (
        "{} answered in {}, schema {} where this postier expects {} (run: postier db migrate with the newest postier), {} domains, {} mailboxes",
        "{} a répondu en {}, schéma {} alors que ce postier attend {} (lancez postier db migrate avec le postier le plus récent), {} domaines, {} boîtes",
    ),
    (
        "{} answered in {}, schema {}, {} domains, {} mailboxes",
        "{} a répondu en {}, schéma {}, {} domaines, {} boîtes",
    ),
    (
        "{} answered in {}, {} domains, {} mailboxes",
        "{} a répondu en {}, {} domaines, {} boîtes",
    ),
    ("no hooks configured", "aucun crochet configuré"),
    ("{} hooks, nothing pending", "{} crochets, rien en attente"),
    (
        "{} hooks, {} events pending, oldest {}",
        "{} crochets, {} événements en attente, le plus ancien depuis {}",
    ),
    (
        "{} of {} hooks parked at a failed event: {}",
        "{} crochets sur {} bloqués sur un événement en échec : {}",
    ),
    (
        "no successful backup yet",
        "aucune sauvegarde réussie pour l'instant",
    ),
    (
        "last success {} ago ({})",
        "dernière réussite il y a {} ({})",
    ),
    (
        "last run warning at {}",
        "dernière exécution avec avertissement le {}",
    ),
    ("last run error at {}", "dernière exécution en erreur le {}"),
    (
        "{} mailboxes in no archive",
        "{} boîtes dans aucune archive",
    ),
    (
        "{} domains: {} fail, {} warn, {} unknown (failing: {})",
        "{} domaines : {} en échec, {} avertissements, {} inconnus (en échec : {})",
    ),
    (
        "{} domains: {} fail, {} warn, {} unknown",
        "{} domaines : {} en échec, {} avertissements, {} inconnus",
    ),
];

/// A monitoring check's summary in `lang`: each `; `-separated part
/// worded from [`CHECK_TEXTS`] when its shape is known, else as it is.
pub fn check_text(lang: Lang, text: &str) -> String {
    text.split("; ")
        .map(|part| translate(lang, CHECK_TEXTS, part, false))
        .collect::<Vec<_>>()
        .join(match lang {
            Lang::En => "; ",
            Lang::Fr => " ; ",
        })
}

/// `text` in `lang`: its French from [`ERROR_TEXTS`] when one of the
/// templates matches it whole, the values it quotes carried over; else
/// `text` as it is. Hints joined by `; ` (an import's "…; the import was
/// rolled back, nothing changed" after the directory's own hint) are
/// worded part by part, each run of parts one template matches.
pub fn error_text(lang: Lang, text: &str) -> String {
    if lang == Lang::En {
        return text.to_string();
    }
    let whole = matched(ERROR_TEXTS, text, |_| true);
    if !text.contains("; ") {
        return whole.unwrap_or_else(|| text.to_string());
    }
    // Part by part, no value running over a "; " (else "raise it with: {}"
    // would take the import's hint for its command).
    let parts: Vec<&str> = text.split("; ").collect();
    let mut out = Vec::new();
    let (mut worded, mut left) = (false, false);
    let mut i = 0;
    while i < parts.len() {
        // The longest run of parts from `i` that one template matches.
        let found = (i + 1..=parts.len()).rev().find_map(|j| {
            let run = parts[i..j].join("; ");
            Some((j, matched(ERROR_TEXTS, &run, |v| !v.contains("; "))?))
        });
        match found {
            Some((j, fr)) => {
                out.push(fr);
                worded = true;
                i = j;
            }
            None => {
                out.push(parts[i].to_string());
                left = true;
                i += 1;
            }
        }
    }
    match whole {
        // A value of a template that matches whole may hold "; " itself.
        Some(fr) if left => fr,
        _ if worded => out.join(" ; "),
        _ => text.to_string(),
    }
}

/// What an error is about, in `lang` ([`ERROR_SUBJECTS`]).
pub fn error_subject(lang: Lang, text: &str) -> String {
    translate(lang, ERROR_SUBJECTS, text, true)
}

fn translate(lang: Lang, table: &[(&str, &str)], text: &str, words: bool) -> String {
    if lang == Lang::En {
        return text.to_string();
    }
    matched(table, text, |v| !words || !v.contains(char::is_whitespace))
        .unwrap_or_else(|| text.to_string())
}

/// The French of the first template of `table` that matches `text` whole
/// with values `ok` accepts.
fn matched(table: &[(&str, &str)], text: &str, ok: impl Fn(&str) -> bool) -> Option<String> {
    table.iter().find_map(|(en, fr)| {
        let found = values(en, text)?;
        if !found.iter().all(|v| ok(v)) {
            return None;
        }
        fill(fr, &found)
    })
}

/// The values `text` gives the `{}` of `template`, if it matches whole.
fn values<'t>(template: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let pieces: Vec<&str> = template.split("{}").collect();
    let (first, rest) = pieces.split_first()?;
    let mut left = text.strip_prefix(first)?;
    let mut found = Vec::new();
    for (i, piece) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        let end = if last {
            if !left.ends_with(piece) {
                return None;
            }
            left.len() - piece.len()
        } else if piece.is_empty() {
            return None;
        } else {
            left.find(piece)?
        };
        found.push(&left[..end]);
        left = &left[end + piece.len()..];
    }
    if rest.is_empty() && !left.is_empty() {
        return None;
    }
    Some(found)
}

fn fill(template: &str, values: &[&str]) -> Option<String> {
    let mut out = String::new();
    let mut values = values.iter();
    let mut pieces = template.split("{}");
    out.push_str(pieces.next()?);
    for piece in pieces {
        out.push_str(values.next()?);
        out.push_str(piece);
    }
    Some(out)
}

/// An error as people read it: `what: why (hint)`, in `lang`, names in
/// U-labels.
pub fn error_line(e: &crate::Error, lang: Lang) -> String {
    let what = error_subject(lang, &e.what);
    let why = error_text(lang, &e.why);
    let mut line = format!("{what}{} {why}", colon(lang));
    if let Some(hint) = &e.hint {
        line.push_str(&format!(" ({})", error_text(lang, hint)));
    }
    crate::model::unicode_names(&line)
}

/// `:` as the language writes it before a reason (French puts a space).
pub fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::En => ":",
        Lang::Fr => " :",
    }
}

#[cfg(test)]
mod error_tests {
    use super::*;

    #[test]
    fn errors_read_in_french_with_their_values() {
        let e = crate::Error::limit("domain exämple.org", "has reached its limit of 3 mailboxes")
            .with_hint("raise it with: postier domain edit exämple.org --max-mailboxes N");
        assert_eq!(
            error_line(&e, Lang::Fr),
            "domaine exämple.org : a atteint sa limite de 3 boîtes (augmentez-la avec : postier \
             domain edit exämple.org --max-mailboxes N)"
        );
        assert_eq!(
            error_line(&e, Lang::En),
            "domain exämple.org: has reached its limit of 3 mailboxes (raise it with: postier \
             domain edit exämple.org --max-mailboxes N)"
        );
        // A backup command where no [backup] is configured: the hint too.
        let e = crate::backup::settings(&crate::config::Config::default()).unwrap_err();
        assert_eq!(
            error_line(&e, Lang::Fr),
            "[backup] : n'est pas configuré (ajoutez une table [backup] avec au moins \
             repository = \"…\" (voir docs/fr/sauvegardes.md))"
        );
        // A mistyped --config.
        let e = crate::config::Config::load(Some(std::path::Path::new("/nonexistent/p.toml")))
            .unwrap_err();
        assert_eq!(
            error_line(&e, Lang::Fr),
            "config /nonexistent/p.toml : ne peut pas être lu : No such file or directory (os \
             error 2) (vérifiez le chemin donné par --config ou POSTIER_CONFIG)"
        );
        // Unknown texts stay as they are, values and all.
        assert_eq!(
            error_text(Lang::Fr, "something new: 42"),
            "something new: 42"
        );
        assert_eq!(
            error_text(
                Lang::Fr,
                "was changed by someone else (version 8, you edited version 7)"
            ),
            "a été modifié par quelqu'un d'autre (version 8, vous modifiiez la version 7)"
        );
        assert_eq!(
            error_subject(Lang::Fr, "alias domain a.org"),
            "domaine alias a.org"
        );
        // A reason that starts like a subject is not one.
        assert_eq!(
            error_text(
                Lang::Fr,
                "domain a.org has reached its limit of 20 mailboxes"
            ),
            "domain a.org has reached its limit of 20 mailboxes"
        );
    }

    /// Every template keeps its values, and no earlier, more general one
    /// takes its texts (a subject's value is one word: "v").
    #[test]
    fn error_templates_keep_their_values_and_their_order() {
        for table in [ERROR_SUBJECTS, ERROR_TEXTS] {
            for (en, fr) in table {
                assert_eq!(en.matches("{}").count(), fr.matches("{}").count(), "{en}");
                let n = en.matches("{}").count();
                let sample = fill(en, &vec!["v"; n]).unwrap();
                assert_eq!(
                    matched(table, &sample, |_| true),
                    fill(fr, &vec!["v"; n]),
                    "{en}"
                );
            }
        }
    }

    /// An import's errors, each `FILE:LINE: what : why (hint)` in French.
    fn french_lines(errors: &[crate::import::rows::RowError]) -> Vec<String> {
        let mut errors: Vec<_> = errors.iter().collect();
        errors.sort_by_key(|e| e.origin.line);
        errors
            .iter()
            .map(|e| format!("{}: {}", e.origin, error_line(&e.error, Lang::Fr)))
            .collect()
    }

    #[test]
    fn import_row_errors_read_in_french() {
        let text = "mailboxes:\n- address: a@example.org\n  adress: x\n- name: Bob\n\
                    aliases:\n- address: all@example.org\n";
        let (_, errors) = crate::import::read_files(&[("f.yaml".into(), text.into())]);
        assert_eq!(
            french_lines(&errors),
            [
                "f.yaml:2: champ \"adress\" : n'est pas un champ d'une ligne de boîte \
                 (possibles : address, name, quota, active, password, password_plain)",
                "f.yaml:4: ligne de boîte : n'a pas de champ address",
                "f.yaml:6: ligne d'alias : n'a aucune destination",
            ]
        );
        // The kind is written out in each row's own words.
        let text = "domains:\n- name: example.org\n  targets: x\n\
                    alias_domains:\n- name: example.net\n  quota: 1G\n  target: example.org\n";
        let (_, errors) = crate::import::read_files(&[("f.yaml".into(), text.into())]);
        assert_eq!(
            french_lines(&errors),
            [
                "f.yaml:2: champ \"targets\" : n'est pas un champ d'une ligne de domaine \
                 (possibles : name, address, description, active, max_mailboxes, max_aliases, \
                 quota, default_quota)",
                "f.yaml:5: champ \"quota\" : n'est pas un champ d'une ligne de domaine alias \
                 (possibles : name, address, target, targets, active)",
            ]
        );
        // CSV: an unknown column, then a row longer than the header.
        let (_, errors) =
            crate::import::read_files(&[("f.csv".into(), "kind;adress\nmailbox;a\n".into())]);
        assert_eq!(
            french_lines(&errors),
            [
                "f.csv:1: colonne 2 (\"adress\") : n'est pas une colonne connue de postier \
                 (colonnes : kind, address, name, description, targets, quota, default_quota, \
                 max_mailboxes, max_aliases, active, password, password_plain)"
            ]
        );
        let (_, errors) = crate::import::read_files(&[(
            "f.csv".into(),
            "address;name\na@example.org;A;x\n".into(),
        )]);
        assert_eq!(
            french_lines(&errors),
            [
                "f.csv:2: ligne CSV : a 3 cellules mais l'en-tête nomme 2 colonnes (mettez \
                 entre guillemets les cellules qui contiennent le séparateur)"
            ]
        );
    }

    #[test]
    fn import_plan_errors_read_in_french() {
        // The same mailbox under two spellings, and one in no known domain.
        let text = "domains:\n- name: exämple.org\nmailboxes:\n- address: alice@exämple.org\n  \
                    password: generate\n- address: Alice@xn--exmple-cua.org\n  password: \
                    generate\n- address: bob@other.org\n  password: generate\n";
        let (desired, errors) = crate::import::read_files(&[("f.yaml".into(), text.into())]);
        assert!(errors.is_empty(), "{errors:?}");
        let current =
            crate::import::plan::Current::new(Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let errors =
            crate::import::plan::plan(&desired, &current, &[], &std::collections::HashSet::new())
                .unwrap_err();
        assert_eq!(
            french_lines(&errors),
            [
                "f.yaml:6: boîte alice@exämple.org : figure déjà en f.yaml:4 (gardez une seule \
                 ligne par objet)",
                "f.yaml:8: boîte bob@other.org : le domaine other.org n'est ni dans les fichiers \
                 ni dans l'annuaire (ajoutez d'abord le domaine aux fichiers (ou avec postier \
                 domain add))",
            ]
        );
        // A directory error while applying: its hint and the import's, each
        // in French.
        let e = crate::Error::limit("domain a.org", "has reached its limit of 3 mailboxes")
            .with_hint(
                "raise it with: postier domain edit a.org --max-mailboxes N; the import was \
                 rolled back, nothing changed",
            );
        assert_eq!(
            error_line(&e, Lang::Fr),
            "domaine a.org : a atteint sa limite de 3 boîtes (augmentez-la avec : postier domain \
             edit a.org --max-mailboxes N ; l'import a été annulé, rien n'a été modifié)"
        );
        // A template spanning "; " is still read whole, a value holding
        // one is kept as it is, and unknown parts stay.
        assert_eq!(
            error_text(
                Lang::Fr,
                "check the path; to start a new directory there: postier db init"
            ),
            "vérifiez le chemin ; pour y créer un nouvel annuaire : postier db init"
        );
        assert_eq!(
            error_text(Lang::Fr, "cannot be read: line 2; column 3"),
            "ne peut pas être lu : line 2; column 3"
        );
        assert_eq!(
            error_text(Lang::Fr, "something new; still new"),
            "something new; still new"
        );
        assert_eq!(
            error_text(
                Lang::Fr,
                "something new; the changes before it were made: run the import again to finish"
            ),
            "something new ; les changements d'avant ont été faits : relancez l'import pour finir"
        );
    }
}
