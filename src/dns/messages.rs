//! The words of the self-check, in English and French: one catalogue of
//! `key → (English, French)` templates with `{name}` placeholders. Checks
//! produce a [`Text`] (key + values); the report words it in the reader's
//! [`Locale`].

/// The reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    Fr,
}

impl Locale {
    /// From `LC_ALL`, `LC_MESSAGES`, `LANG` (the first one set): French
    /// for `fr*`, English otherwise.
    pub fn from_env() -> Locale {
        let value = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        Locale::from_tag(&value)
    }

    pub fn from_tag(tag: &str) -> Locale {
        if tag.to_ascii_lowercase().starts_with("fr") {
            Locale::Fr
        } else {
            Locale::En
        }
    }
}

/// A message key and the values of its placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Text {
    pub fn new(key: &'static str) -> Text {
        Text {
            key,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Text {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn render(&self, locale: Locale) -> String {
        let template = CATALOGUE
            .iter()
            .find(|(k, _, _)| *k == self.key)
            .map(|(_, en, fr)| if locale == Locale::Fr { *fr } else { *en })
            .unwrap_or(self.key);
        let mut out = template.to_string();
        for (name, value) in &self.args {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }
}

/// `key`, English, French.
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    // Shared.
    (
        "dns.unknown",
        "{name} could not be looked up ({why}); the result is unknown, try again later.",
        "{name} n'a pas pu être résolu ({why}) ; résultat inconnu, réessayez plus tard.",
    ),
    (
        "skip.not_offered",
        "The service does not offer this; nothing to check.",
        "Le service ne propose pas cela ; rien à vérifier.",
    ),
    (
        "skip.not_configured",
        "The service has not said what to expect here.",
        "Le service n'a pas indiqué ce qui est attendu ici.",
    ),
    (
        "skip.needs_mx",
        "Checked once the domain has MX records.",
        "Vérifié quand le domaine aura des enregistrements MX.",
    ),
    (
        "skip.needs_spf",
        "Checked once the domain has exactly one SPF record.",
        "Vérifié quand le domaine aura exactement un enregistrement SPF.",
    ),
    (
        "skip.needs_dkim",
        "Checked once the DKIM records are published.",
        "Vérifié quand les enregistrements DKIM seront publiés.",
    ),
    (
        "skip.needs_dmarc",
        "Checked once a DMARC record is published.",
        "Vérifié quand un enregistrement DMARC sera publié.",
    ),
    (
        "skip.no_outbound",
        "The service has no outbound address configured.",
        "Le service n'a aucune adresse sortante configurée.",
    ),
    (
        "fix.publish",
        "Publish the records above in the zone of {domain}.",
        "Publiez les enregistrements ci-dessus dans la zone de {domain}.",
    ),
    // MX.
    (
        "mx.present.ok",
        "{domain} receives mail at {targets}.",
        "{domain} reçoit le courrier via {targets}.",
    ),
    (
        "mx.present.none",
        "{domain} has no MX record: senders cannot tell where to deliver its mail.",
        "{domain} n'a aucun enregistrement MX : les expéditeurs ne savent pas où livrer son courrier.",
    ),
    (
        "mx.present.nxdomain",
        "{domain} does not exist in DNS.",
        "{domain} n'existe pas dans le DNS.",
    ),
    (
        "mx.present.null",
        "{domain} publishes a null MX (RFC 7505): it declares that it accepts no mail.",
        "{domain} publie un MX nul (RFC 7505) : il déclare n'accepter aucun courrier.",
    ),
    (
        "mx.ours.ok",
        "Every MX target is the service's.",
        "Toutes les cibles MX sont celles du service.",
    ),
    (
        "mx.ours.some",
        "Some MX targets are not the service's ({foreign}): mail delivered there bypasses the service.",
        "Certaines cibles MX ne sont pas celles du service ({foreign}) : le courrier livré là contourne le service.",
    ),
    (
        "mx.ours.none",
        "No MX target is the service's ({targets}): mail for the domain does not reach the service.",
        "Aucune cible MX n'est celle du service ({targets}) : le courrier du domaine n'arrive pas au service.",
    ),
    (
        "mx.target_valid.ok",
        "Every MX target has an address and is not an alias.",
        "Chaque cible MX a une adresse et n'est pas un alias.",
    ),
    (
        "mx.target_valid.unresolved",
        "MX target {target} has no address (A or AAAA): mail to it cannot be delivered.",
        "La cible MX {target} n'a pas d'adresse (A ou AAAA) : le courrier ne peut pas y être livré.",
    ),
    (
        "mx.target_valid.cname",
        "MX target {target} is an alias (CNAME) of {alias}; RFC 5321 requires the real name.",
        "La cible MX {target} est un alias (CNAME) de {alias} ; la RFC 5321 exige le vrai nom.",
    ),
    (
        "mx.fix.target",
        "Point the MX record at {alias} instead of {target}.",
        "Faites pointer l'enregistrement MX vers {alias} au lieu de {target}.",
    ),
    // SPF.
    (
        "spf.present.ok",
        "{domain} publishes SPF: {record}",
        "{domain} publie un SPF : {record}",
    ),
    (
        "spf.present.none",
        "{domain} publishes no SPF record: receivers cannot tell which servers may send its mail.",
        "{domain} ne publie aucun SPF : les destinataires ne savent pas quels serveurs peuvent envoyer son courrier.",
    ),
    (
        "spf.single.ok",
        "There is exactly one SPF record.",
        "Il y a exactement un enregistrement SPF.",
    ),
    (
        "spf.single.several",
        "{domain} publishes {count} SPF records; receivers must treat that as an error (permerror). Merge them into one.",
        "{domain} publie {count} enregistrements SPF ; les destinataires doivent le traiter comme une erreur (permerror). Fusionnez-les en un seul.",
    ),
    (
        "spf.syntax.ok",
        "The SPF record and the records it includes are valid.",
        "L'enregistrement SPF et ceux qu'il inclut sont valides.",
    ),
    (
        "spf.syntax.term",
        "SPF error in {domain}: {error}. Receivers answer permerror.",
        "Erreur SPF dans {domain} : {error}. Les destinataires répondent permerror.",
    ),
    (
        "spf.syntax.no_record",
        "{domain} is included or redirected to but publishes no SPF record: receivers answer permerror.",
        "{domain} est inclus ou redirigé mais ne publie aucun SPF : les destinataires répondent permerror.",
    ),
    (
        "spf.syntax.several_included",
        "{domain} (included) publishes {count} SPF records: receivers answer permerror.",
        "{domain} (inclus) publie {count} enregistrements SPF : les destinataires répondent permerror.",
    ),
    (
        "spf.syntax.loop",
        "{domain} includes itself, directly or not: receivers answer permerror.",
        "{domain} s'inclut lui-même, directement ou non : les destinataires répondent permerror.",
    ),
    (
        "spf.syntax.too_many_mx",
        "{domain} has {count} MX records, more than the 10 an mx term may use: receivers answer permerror.",
        "{domain} a {count} enregistrements MX, plus que les 10 qu'un terme mx peut utiliser : permerror.",
    ),
    (
        "spf.syntax.ptr",
        "The SPF record uses the deprecated ptr mechanism (in {where}): it is slow, unreliable and ignored by some receivers.",
        "L'enregistrement SPF utilise le mécanisme ptr, déconseillé (dans {where}) : lent, peu fiable et ignoré par certains destinataires.",
    ),
    (
        "spf.fix.ptr",
        "Replace ptr with ip4:/ip6: terms or a:host terms.",
        "Remplacez ptr par des termes ip4:/ip6: ou a:hôte.",
    ),
    (
        "spf.fix.syntax",
        "Correct the record; for instance publish: {record}",
        "Corrigez l'enregistrement ; par exemple publiez : {record}",
    ),
    (
        "spf.lookup_limit.ok",
        "SPF needs {lookups} DNS lookups (the limit is 10).",
        "Le SPF demande {lookups} requêtes DNS (la limite est 10).",
    ),
    (
        "spf.lookup_limit.over",
        "SPF needs {lookups} DNS lookups; above 10, receivers answer permerror and the record is ignored.",
        "Le SPF demande {lookups} requêtes DNS ; au-delà de 10, les destinataires répondent permerror et l'ignorent.",
    ),
    (
        "spf.lookup_limit.partial",
        "At least {lookups} DNS lookups counted, but {name} could not be looked up ({why}).",
        "Au moins {lookups} requêtes DNS comptées, mais {name} n'a pas pu être résolu ({why}).",
    ),
    (
        "spf.fix.lookups",
        "Remove include:, a, mx, ptr and exists: terms that are not needed, or replace them with ip4:/ip6: ranges.",
        "Retirez les termes include:, a, mx, ptr et exists: inutiles, ou remplacez-les par des plages ip4:/ip6:.",
    ),
    (
        "spf.void_limit.ok",
        "{voids} SPF lookups find nothing (the limit is 2).",
        "{voids} requêtes SPF ne trouvent rien (la limite est 2).",
    ),
    (
        "spf.void_limit.over",
        "{voids} SPF lookups find nothing; above 2, receivers answer permerror.",
        "{voids} requêtes SPF ne trouvent rien ; au-delà de 2, les destinataires répondent permerror.",
    ),
    (
        "spf.fix.voids",
        "Remove the terms that name hosts or domains without records.",
        "Retirez les termes qui nomment des hôtes ou domaines sans enregistrement.",
    ),
    (
        "spf.all.ok",
        "The SPF record ends with {all}: other servers are refused.",
        "L'enregistrement SPF se termine par {all} : les autres serveurs sont refusés.",
    ),
    (
        "spf.all.pass",
        "The SPF record ends with +all: any server in the world may send mail as {domain}.",
        "L'enregistrement SPF se termine par +all : n'importe quel serveur peut envoyer au nom de {domain}.",
    ),
    (
        "spf.all.neutral",
        "The SPF record ends with ?all: servers not listed are neither allowed nor refused.",
        "L'enregistrement SPF se termine par ?all : les serveurs non listés ne sont ni autorisés ni refusés.",
    ),
    (
        "spf.all.missing",
        "The SPF record has no all term: servers not listed get neutral.",
        "L'enregistrement SPF n'a pas de terme all : les serveurs non listés obtiennent neutral.",
    ),
    (
        "spf.fix.all",
        "End the record with -all (or ~all while testing).",
        "Terminez l'enregistrement par -all (ou ~all pendant les essais).",
    ),
    (
        "spf.authorizes_ours.ok",
        "The service's outbound addresses pass SPF ({ips}).",
        "Les adresses sortantes du service passent le SPF ({ips}).",
    ),
    (
        "spf.authorizes_ours.fail",
        "SPF gives {result} for the service's address {ip}: mail the service sends for {domain} may be rejected.",
        "Le SPF donne {result} pour l'adresse du service {ip} : le courrier envoyé par le service pour {domain} risque d'être refusé.",
    ),
    (
        "spf.authorizes_ours.temperror",
        "SPF evaluation for {ip} met a DNS error (temperror); the result is unknown.",
        "L'évaluation SPF pour {ip} a rencontré une erreur DNS (temperror) ; résultat inconnu.",
    ),
    // DKIM.
    (
        "dkim.none",
        "postier holds no DKIM key for {domain}.",
        "postier ne détient aucune clé DKIM pour {domain}.",
    ),
    (
        "dkim.fix.generate",
        "An admin runs: postier dkim generate {domain}",
        "Un admin lance : postier dkim generate {domain}",
    ),
    (
        "dkim.present.ok",
        "DKIM keys are published at {names}.",
        "Les clés DKIM sont publiées en {names}.",
    ),
    (
        "dkim.present.missing",
        "No DKIM key is published at {name}: the service's signatures cannot be verified.",
        "Aucune clé DKIM n'est publiée en {name} : les signatures du service ne peuvent pas être vérifiées.",
    ),
    (
        "dkim.present.upcoming",
        "The {state} key is not published at {name}.",
        "La clé {state} n'est pas publiée en {name}.",
    ),
    (
        "dkim.matches_key.ok",
        "The published keys are the service's.",
        "Les clés publiées sont celles du service.",
    ),
    (
        "dkim.matches_key.differs",
        "The key published at {name} is not the one the service signs with.",
        "La clé publiée en {name} n'est pas celle avec laquelle le service signe.",
    ),
    (
        "dkim.matches_key.revoked",
        "The key at {name} is revoked (empty p=).",
        "La clé en {name} est révoquée (p= vide).",
    ),
    (
        "dkim.key_size.ok",
        "Key sizes are fine ({sizes}).",
        "Les tailles de clé conviennent ({sizes}).",
    ),
    (
        "dkim.key_size.weak",
        "The key at {name} is RSA {bits} bits: below 1024 bits receivers ignore it.",
        "La clé en {name} est RSA {bits} bits : en dessous de 1024 bits les destinataires l'ignorent.",
    ),
    (
        "dkim.key_size.short",
        "The key at {name} is RSA {bits} bits; 2048 bits are recommended.",
        "La clé en {name} est RSA {bits} bits ; 2048 bits sont recommandés.",
    ),
    (
        "dkim.key_size.unreadable",
        "The key at {name} cannot be read as a public key.",
        "La clé en {name} n'est pas une clé publique lisible.",
    ),
    (
        "dkim.fix.rotate",
        "An admin runs: postier dkim rotate {domain}",
        "Un admin lance : postier dkim rotate {domain}",
    ),
    (
        "dkim.testing.ok",
        "No key is in testing mode.",
        "Aucune clé n'est en mode test.",
    ),
    (
        "dkim.testing.on",
        "The key at {name} has t=y (testing): receivers may ignore its signatures.",
        "La clé en {name} a t=y (test) : les destinataires peuvent ignorer ses signatures.",
    ),
    // DMARC.
    (
        "dmarc.present.ok",
        "DMARC is published at {name}.",
        "DMARC est publié en {name}.",
    ),
    (
        "dmarc.present.inherited",
        "No DMARC record at {name}; the one of the organizational domain ({org_name}) applies.",
        "Pas d'enregistrement DMARC en {name} ; celui du domaine organisationnel ({org_name}) s'applique.",
    ),
    (
        "dmarc.present.none",
        "No DMARC record at {name} nor for its organizational domain: receivers apply no policy.",
        "Aucun enregistrement DMARC en {name} ni pour son domaine organisationnel : aucune politique n'est appliquée.",
    ),
    (
        "dmarc.syntax.ok",
        "The DMARC record is valid.",
        "L'enregistrement DMARC est valide.",
    ),
    (
        "dmarc.syntax.error",
        "The DMARC record at {name} is invalid: {error}.",
        "L'enregistrement DMARC en {name} est invalide : {error}.",
    ),
    (
        "dmarc.syntax.several",
        "{count} DMARC records at {name}: receivers ignore them all.",
        "{count} enregistrements DMARC en {name} : les destinataires les ignorent tous.",
    ),
    (
        "dmarc.policy.ok",
        "The DMARC policy is {policy} (at least {min} is expected).",
        "La politique DMARC est {policy} (au moins {min} est attendu).",
    ),
    (
        "dmarc.policy.weak",
        "The DMARC policy is {policy}, weaker than {min}: mail forged in the domain's name is not stopped.",
        "La politique DMARC est {policy}, plus faible que {min} : le courrier usurpant le domaine n'est pas bloqué.",
    ),
    (
        "dmarc.policy.partial",
        "The DMARC policy {policy} applies to only {pct}% of failing mail.",
        "La politique DMARC {policy} ne s'applique qu'à {pct} % du courrier en échec.",
    ),
    (
        "dmarc.report_auth.ok",
        "Report destinations accept the domain's reports.",
        "Les destinations des rapports acceptent ceux du domaine.",
    ),
    (
        "dmarc.report_auth.none",
        "The DMARC record asks for no reports.",
        "L'enregistrement DMARC ne demande aucun rapport.",
    ),
    (
        "dmarc.report_auth.missing",
        "{dest} has not agreed to receive DMARC reports for {domain} (RFC 7489 §7.1): receivers will not send them.",
        "{dest} n'a pas accepté de recevoir les rapports DMARC de {domain} (RFC 7489 §7.1) : ils ne seront pas envoyés.",
    ),
    (
        "dmarc.fix.report_auth",
        "The administrator of {dest} publishes: {line}",
        "L'administrateur de {dest} publie : {line}",
    ),
    // Reverse DNS.
    (
        "ptr.outbound.ok",
        "Outbound addresses have forward-confirmed reverse DNS ({pairs}).",
        "Les adresses sortantes ont un DNS inverse confirmé ({pairs}).",
    ),
    (
        "ptr.outbound.missing",
        "The outbound address {ip} has no reverse DNS (PTR): many receivers refuse its mail.",
        "L'adresse sortante {ip} n'a pas de DNS inverse (PTR) : beaucoup de destinataires refusent son courrier.",
    ),
    (
        "ptr.outbound.unconfirmed",
        "The outbound address {ip} has reverse name {name}, which does not resolve back to {ip}.",
        "L'adresse sortante {ip} a pour nom inverse {name}, qui ne renvoie pas vers {ip}.",
    ),
    (
        "ptr.fix",
        "Ask the network provider for a PTR record {ip} → {name}, and publish {name} → {ip}.",
        "Demandez à l'hébergeur réseau un PTR {ip} → {name}, et publiez {name} → {ip}.",
    ),
    // MTA-STS, TLS-RPT, autoconfiguration.
    (
        "mta_sts.present.ok",
        "MTA-STS is announced at {name} (id {id}).",
        "MTA-STS est annoncé en {name} (id {id}).",
    ),
    (
        "mta_sts.present.none",
        "No MTA-STS record at {name}: senders may deliver without TLS.",
        "Aucun enregistrement MTA-STS en {name} : les expéditeurs peuvent livrer sans TLS.",
    ),
    (
        "mta_sts.present.invalid",
        "The MTA-STS record at {name} is invalid: {error}.",
        "L'enregistrement MTA-STS en {name} est invalide : {error}.",
    ),
    (
        "mta_sts.present.no_host",
        "The MTA-STS policy host {host} has no address: senders cannot fetch the policy.",
        "L'hôte de politique MTA-STS {host} n'a pas d'adresse : les expéditeurs ne peuvent pas lire la politique.",
    ),
    (
        "tls_rpt.present.ok",
        "TLS reporting is set up at {name}.",
        "Les rapports TLS sont configurés en {name}.",
    ),
    (
        "tls_rpt.present.none",
        "No TLS-RPT record at {name}: TLS delivery problems go unreported.",
        "Aucun enregistrement TLS-RPT en {name} : les problèmes de livraison TLS ne sont pas signalés.",
    ),
    (
        "tls_rpt.present.invalid",
        "The TLS-RPT record at {name} is invalid: {error}.",
        "L'enregistrement TLS-RPT en {name} est invalide : {error}.",
    ),
    (
        "autoconfig.srv.ok",
        "Mail clients find the service's IMAP and submission servers (SRV).",
        "Les logiciels de messagerie trouvent les serveurs IMAP et d'envoi du service (SRV).",
    ),
    (
        "autoconfig.srv.missing",
        "No SRV record at {name}: mail clients must be set up by hand.",
        "Aucun enregistrement SRV en {name} : les logiciels de messagerie doivent être configurés à la main.",
    ),
    (
        "autoconfig.srv.elsewhere",
        "{name} points at {target} port {port}, not at {expected}.",
        "{name} pointe vers {target} port {port}, pas vers {expected}.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(template: &str) -> Vec<&str> {
        let mut names: Vec<&str> = template
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_key_is_unique_and_translated_with_the_same_placeholders() {
        for (i, (key, en, fr)) in CATALOGUE.iter().enumerate() {
            assert!(
                CATALOGUE[i + 1..].iter().all(|(k, _, _)| k != key),
                "{key} twice"
            );
            assert!(!en.is_empty() && !fr.is_empty() && en != fr, "{key}");
            assert_eq!(placeholders(en), placeholders(fr), "{key}");
        }
    }

    #[test]
    fn renders_by_locale() {
        let t = Text::new("mx.present.ok")
            .arg("domain", "example.org")
            .arg("targets", "mx1.example.net");
        assert_eq!(
            t.render(Locale::En),
            "example.org receives mail at mx1.example.net."
        );
        assert_eq!(
            t.render(Locale::Fr),
            "example.org reçoit le courrier via mx1.example.net."
        );
        assert_eq!(Locale::from_tag("fr_FR.UTF-8"), Locale::Fr);
        assert_eq!(Locale::from_tag("C.UTF-8"), Locale::En);
    }
}
