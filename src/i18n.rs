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
    DnsUnknown => "n/a", "n/d";
    // DNS and DKIM panes
    DnsNotAvailable => "The DNS check is not available in this build: no status is shown rather than a guessed one.", "La vérification DNS n'est pas disponible dans cette version : aucun état n'est affiché plutôt qu'un état deviné.";
    DkimNotAvailable => "DKIM key management is not available in this build.", "La gestion des clés DKIM n'est pas disponible dans cette version.";
    DnsRecheckUnavailable => "DNS check not available in this build", "Vérification DNS indisponible dans cette version";
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
    HelpCommands => "Commands: :domains  :mailboxes  :audit  :help  :q", "Commandes : :domains  :mailboxes  :audit  :help  :q";
    // Forms
    FormAddDomain => "Add domain", "Ajouter un domaine";
    FormEditDomain => "Edit domain {}", "Modifier le domaine {}";
    FormAddAliasDomain => "Add alias domain", "Ajouter un domaine alias";
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
    ConfirmCascade => "Deleting it also deletes its {} mailboxes and {} aliases.", "Le supprimer supprime aussi ses {} boîtes et {} alias.";
    ButtonCancel => "Cancel", "Annuler";
    ButtonDisable => "Disable", "Désactiver";
    ButtonEnable => "Enable", "Activer";
    ButtonDelete => "Delete", "Supprimer";
    TypedTitle => "Delete {}", "Supprimer {}";
    TypedPrompt => "This cannot be undone. Type {} to confirm:", "Irréversible. Tapez {} pour confirmer :";
    TypedMismatch => "does not match; nothing was deleted", "ne correspond pas ; rien n'a été supprimé";
    ErrorTitle => "Error", "Erreur";
    ErrorClose => "Enter or Esc to close", "Entrée ou Échap pour fermer";
    PasswordTitle => "Password for {}", "Mot de passe de {}";
    PasswordOnce => "Shown once: store it now. Enter closes.", "Affiché une seule fois : notez-le. Entrée pour fermer.";
    // Objects
    ObjDomain => "domain", "domaine";
    ObjMailbox => "mailbox", "boîte";
    ObjAlias => "alias", "alias";
    ObjAliasDomain => "alias domain", "domaine alias";
    // Flash messages (shared with the CLI's human output)
    DoneAdded => "{} {} added", "{} {} ajouté(e)";
    DoneChanged => "{} {} changed", "{} {} modifié(e)";
    DoneRemoved => "{} {} removed", "{} {} supprimé(e)";
    DoneEnabled => "{} {} enabled", "{} {} activé(e)";
    DoneDisabled => "{} {} disabled", "{} {} désactivé(e)";
    DonePassword => "{} {} has a new password", "{} {} a un nouveau mot de passe";
    Refreshed => "refreshed", "actualisé";
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
    ShowMaildir => "maildir", "maildir";
    ShowCatchAll => "catch-all", "fourre-tout";
    NoCap => "no cap", "sans plafond";
    CliPasswordOnce => "password (shown once, store it now): {}", "mot de passe (affiché une seule fois, notez-le) : {}";
    CliMigrated => "directory {} is up to date", "l'annuaire {} est à jour";
    ShowQuotaUsed => "quota used", "quota utilisé";
    QuotaUsedBytes => "{} bytes", "{} octets";
    QuotaUsedOf => "{} bytes ({}% of {})", "{} octets ({} % de {})";
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
