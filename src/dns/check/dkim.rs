//! The `dkim.*` checks: each of the service's keys for the domain is
//! published at its selector, with the very public key the service holds,
//! of a sound size, and not in testing mode.

use super::{all_of, skip, unknown};
use crate::dns::dkim_record::DkimRecord;
use crate::dns::expect::{Expectations, ExpectedKey};
use crate::dns::messages::Text;
use crate::dns::report::{Finding, Status};
use crate::dns::resolver::{Answer, Failure, Resolver};
use crate::i18n::Msg;
use crate::model::KeyState;

const IDS: [&str; 4] = [
    "dkim.present",
    "dkim.matches_key",
    "dkim.key_size",
    "dkim.testing",
];

/// What DNS holds at one selector.
enum Published {
    Unknown(Failure),
    Missing,
    Invalid(String),
    Found(DkimRecord),
}

pub async fn check(resolver: &Resolver, exp: &Expectations) -> Vec<Finding> {
    if exp.dkim.is_empty() {
        return all_of(&IDS, |id| {
            let none = Text::new(Msg::DnsDkimNone).arg(exp.domain.to_unicode());
            Finding::new(id, Status::Skip, none)
                .with_action(Text::new(Msg::DnsDkimFixGenerate).arg(exp.domain.as_ascii()))
        });
    }
    let answers = futures::future::join_all(exp.dkim.iter().map(|key| {
        let name = key.record_name(&exp.domain);
        async move { resolver.txt(&name).await }
    }))
    .await;
    let published: Vec<(&ExpectedKey, String, Published)> = exp
        .dkim
        .iter()
        .zip(answers)
        .map(|(key, answer)| {
            let name = key.record_name(&exp.domain);
            let state = match answer {
                Answer::Failed(f) => Published::Unknown(f),
                Answer::Empty { .. } => Published::Missing,
                Answer::Records(records) => match DkimRecord::find(&records) {
                    None => Published::Missing,
                    Some(Err(e)) => Published::Invalid(e),
                    Some(Ok(r)) => Published::Found(r),
                },
            };
            (key, name, state)
        })
        .collect();
    if let Some((name, f)) = published.iter().find_map(|(_, n, p)| match p {
        Published::Unknown(f) => Some((n, f)),
        _ => None,
    }) {
        return all_of(&IDS, |id| unknown(id, name, f));
    }
    vec![
        present(exp, &published),
        matches_key(exp, &published),
        key_size(exp, &published),
        testing(exp, &published),
    ]
}

fn present(exp: &Expectations, published: &[(&ExpectedKey, String, Published)]) -> Finding {
    const ID: &str = "dkim.present";
    let missing: Vec<&(&ExpectedKey, String, Published)> = published
        .iter()
        .filter(|(_, _, p)| matches!(p, Published::Missing))
        .collect();
    if let Some((key, name, _)) = missing.iter().find(|(k, _, _)| k.state == KeyState::Active) {
        return Finding::new(
            ID,
            Status::Fail,
            Text::new(Msg::DnsDkimPresentMissing).arg(name),
        )
        .with_records(vec![key.zone_line(&exp.domain)]);
    }
    if let Some((key, name, _)) = missing.first() {
        return Finding::new(
            ID,
            Status::Warn,
            Text::new(Msg::DnsDkimPresentUpcoming)
                .arg(key.state.as_str())
                .arg(name),
        )
        .with_records(vec![key.zone_line(&exp.domain)]);
    }
    let names: Vec<&str> = published.iter().map(|(_, n, _)| n.as_str()).collect();
    Finding::new(
        ID,
        Status::Ok,
        Text::new(Msg::DnsDkimPresentOk).arg(names.join(", ")),
    )
}

/// Keys whose record is there (valid or not).
fn found<'a>(
    published: &'a [(&'a ExpectedKey, String, Published)],
) -> impl Iterator<Item = (&'a ExpectedKey, &'a str, Result<&'a DkimRecord, &'a str>)> {
    published.iter().filter_map(|(k, n, p)| match p {
        Published::Found(r) => Some((*k, n.as_str(), Ok(r))),
        Published::Invalid(e) => Some((*k, n.as_str(), Err(e.as_str()))),
        _ => None,
    })
}

fn matches_key(exp: &Expectations, published: &[(&ExpectedKey, String, Published)]) -> Finding {
    const ID: &str = "dkim.matches_key";
    if found(published).next().is_none() {
        return skip(ID, Msg::DnsSkipNeedsDkim);
    }
    for (key, name, record) in found(published) {
        let text = match record {
            Ok(r) if r.public_key == key.public_key => continue,
            Ok(r) if r.public_key.is_empty() && key.state == KeyState::Retiring => continue,
            Ok(r) if r.public_key.is_empty() => Text::new(Msg::DnsDkimMatchesKeyRevoked),
            _ => Text::new(Msg::DnsDkimMatchesKeyDiffers),
        };
        return Finding::new(ID, Status::Fail, text.arg(name))
            .with_records(vec![key.zone_line(&exp.domain)]);
    }
    Finding::new(ID, Status::Ok, Text::new(Msg::DnsDkimMatchesKeyOk))
}

fn key_size(exp: &Expectations, published: &[(&ExpectedKey, String, Published)]) -> Finding {
    const ID: &str = "dkim.key_size";
    let records: Vec<(&str, &DkimRecord)> = found(published)
        .filter_map(|(_, n, r)| r.ok().map(|r| (n, r)))
        .filter(|(_, r)| !r.public_key.is_empty())
        .collect();
    if records.is_empty() {
        return skip(ID, Msg::DnsSkipNeedsDkim);
    }
    let rotate = || Text::new(Msg::DnsDkimFixRotate).arg(exp.domain.as_ascii());
    let mut sizes = Vec::new();
    let mut worst: Option<Finding> = None;
    for (name, record) in records {
        if record.key_type != "rsa" {
            sizes.push(format!("{name}: {}", record.key_type));
            continue;
        }
        let finding = match record.rsa_bits() {
            None => Finding::new(
                ID,
                Status::Warn,
                Text::new(Msg::DnsDkimKeySizeUnreadable).arg(name),
            ),
            Some(bits) if bits < 1024 => Finding::new(
                ID,
                Status::Fail,
                Text::new(Msg::DnsDkimKeySizeWeak).arg(name).arg(bits),
            ),
            Some(bits) if bits < 2048 => Finding::new(
                ID,
                Status::Warn,
                Text::new(Msg::DnsDkimKeySizeShort).arg(name).arg(bits),
            ),
            Some(bits) => {
                sizes.push(format!("{name}: RSA {bits}"));
                continue;
            }
        };
        if worst.as_ref().is_none_or(|w| w.status == Status::Warn) {
            worst = Some(finding.with_action(rotate()));
        }
    }
    worst.unwrap_or_else(|| {
        Finding::new(
            ID,
            Status::Ok,
            Text::new(Msg::DnsDkimKeySizeOk).arg(sizes.join(", ")),
        )
    })
}

fn testing(exp: &Expectations, published: &[(&ExpectedKey, String, Published)]) -> Finding {
    const ID: &str = "dkim.testing";
    let mut any = false;
    for (key, name, record) in found(published) {
        any = true;
        if record.is_ok_and(|r| r.testing) {
            return Finding::new(ID, Status::Warn, Text::new(Msg::DnsDkimTestingOn).arg(name))
                .with_records(vec![key.zone_line(&exp.domain)]);
        }
    }
    if any {
        Finding::new(ID, Status::Ok, Text::new(Msg::DnsDkimTestingOk))
    } else {
        skip(ID, Msg::DnsSkipNeedsDkim)
    }
}
