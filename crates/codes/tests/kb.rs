//! Checks the generated knowledge base against its data files and the contract.

use maildiag_codes::{
    Category, Class, CodeKind, EnhancedCode, Rule, Severity, basic, category, class, enhanced,
    matches, provider, providers, search, subject,
};

fn data(name: &str) -> toml::Table {
    let path = format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("data file readable");
    text.parse().expect("data file is TOML")
}

fn s<'a>(t: &'a toml::Table, k: &str) -> &'a str {
    t.get(k).and_then(|v| v.as_str()).unwrap_or("")
}

#[test]
fn all_92_iana_rows_present_and_correct() {
    let file = data("iana.toml");
    let rows = file["code"].as_array().expect("code array");
    assert_eq!(rows.len(), 92);
    let (mut classes, mut subjects, mut enumerated) = (0, 0, 0);
    for row in rows {
        let row = row.as_table().expect("table");
        let code = s(row, "code");
        let info = if let Some(rest) = code.strip_suffix(".XXX.YYY") {
            classes += 1;
            let c = Class::from_digit(rest.parse().expect("digit")).expect("class");
            class(c)
        } else if let Some(sub) = code.strip_prefix("X.").and_then(|r| r.strip_suffix(".YYY")) {
            subjects += 1;
            subject(sub.parse().expect("subject")).expect("subject entry")
        } else {
            enumerated += 1;
            let ec: EnhancedCode = format!("5{}", &code[1..]).parse().expect("code");
            let info = enhanced(ec).expect("enumerated entry");
            assert_eq!(info.kind, CodeKind::Enhanced);
            // The class does not matter for the lookup.
            assert_eq!(enhanced(ec.with_class(Class::Transient)), Some(info));
            info
        };
        assert_eq!(info.code, code);
        assert_eq!(info.title, s(row, "title"), "{code}");
        assert_eq!(info.basic, s(row, "basic"), "{code}");
        assert_eq!(info.reference, s(row, "reference"), "{code}");
        assert_eq!(info.description, s(row, "explanation"), "{code}");
        assert!(!info.action.is_empty());
    }
    assert_eq!((classes, subjects, enumerated), (3, 8, 81));
    assert_eq!(maildiag_codes::iana().count(), 92);
}

#[test]
fn iana_spot_checks() {
    let c = enhanced("4.7.30".parse().expect("code")).expect("X.7.30");
    assert_eq!(c.title, "REQUIRETLS support required");
    let c = enhanced("5.1.10".parse().expect("code")).expect("X.1.10");
    assert_eq!(c.basic_codes, &[556]);
    assert_eq!(c.category, Category::DomainNotFound);
    assert!(enhanced("5.7.515".parse().expect("code")).is_none());
    assert_eq!(
        subject(7).map(|s| s.title),
        Some("Security or Policy Status")
    );
    assert!(subject(8).is_none());
    assert_eq!(class(Class::Permanent).title, "Permanent Failure");
    let x11 = enhanced("5.1.1".parse().expect("code")).expect("X.1.1");
    assert_eq!(x11.basic_codes, &[451, 550]);
    assert!(x11.note_for(Class::Transient).is_some());
}

#[test]
fn all_basic_codes() {
    let rfc5321 = [
        211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 455, 500, 501, 502, 503, 504,
        521, 550, 551, 552, 553, 554, 555, 556,
    ];
    for code in rfc5321 {
        let b = basic(code).unwrap_or_else(|| panic!("{code} missing"));
        assert_eq!(b.code, code);
        assert!(!b.title.is_empty() && !b.description.is_empty() && !b.causes.is_empty());
        let want = match code / 100 {
            2 | 3 => Severity::Success,
            4 => Severity::Transient,
            _ => Severity::Permanent,
        };
        assert_eq!(b.class, want, "{code}");
    }
    for code in [235, 334, 432, 454, 530, 534, 535, 538] {
        assert!(basic(code).is_some(), "{code} (RFC 4954)");
    }
    assert!(basic(299).is_none());
    let file = data("basic.toml");
    assert_eq!(
        file["basic"].as_array().map(Vec::len),
        Some(maildiag_codes::basics().len())
    );
    assert!(
        maildiag_codes::basics()
            .windows(2)
            .all(|w| w[0].code < w[1].code)
    );
}

#[test]
fn every_category_is_described_and_mapped() {
    assert_eq!(maildiag_codes::categories().len(), 30);
    for &c in Category::ALL {
        let info = category(c);
        assert_eq!(info.category, c, "table order");
        assert!(!info.description.is_empty(), "{c}");
        assert!(!info.remedies.is_empty(), "{c}");
        assert!(!info.sisimai_reasons.is_empty(), "{c}");
        assert!(!info.bounce_class.is_empty(), "{c}");
    }
    assert_eq!(
        category(Category::UserUnknown).sisimai_reasons[0],
        "userunknown"
    );
    assert_eq!(
        category(Category::UserUnknown).bounce_class,
        "InvalidRecipient"
    );
    assert!(category(Category::UserUnknown).hard_bounce);
    assert!(category(Category::Greylisted).retry.advised);
    assert_eq!(category(Category::MailboxFull).bounce_class, "QuotaIssues");
}

#[test]
fn every_named_provider_has_sourced_entries() {
    let named = [
        "gmail",
        "microsoft",
        "yahoo",
        "apple",
        "comcast",
        "cox",
        "godaddy",
        "mimecast",
        "proofpoint",
        "barracuda",
        "cisco",
        "orange",
        "laposte",
        "gmx",
        "mailru",
        "tencent_qq",
        "netease_163",
        "zoho",
        "yandex",
        "postfix",
        "exim",
        "sendmail",
        "postgrey",
    ];
    for id in named {
        let p = provider(id).unwrap_or_else(|| panic!("provider {id} missing"));
        assert!(!p.entries.is_empty(), "{id} has no entries");
        assert!(!p.markers.is_empty(), "{id} has no markers");
        for e in p.entries {
            assert_eq!(e.provider, id);
            assert!(e.source.starts_with("http"), "{id}: {}", e.pattern);
            assert!(!e.meaning.is_empty() && !e.remedy.is_empty());
        }
    }
    assert!(providers().windows(2).all(|w| w[0].id < w[1].id));
}

#[test]
fn catalogue_has_at_least_500_entries() {
    let n = maildiag_codes::provider_entries().count();
    assert!(n >= 500, "only {n} provider entries");
    assert!(maildiag_codes::phrases().len() >= 200, "phrase rules");
}

fn provider_hits(text: &[u8]) -> Vec<&'static maildiag_codes::ProviderEntry> {
    matches(text)
        .filter_map(|m| match m.rule {
            Rule::Provider(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn matcher_finds_yahoo_tss04() {
    let text = b"421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to unexpected \
                 volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes";
    let hits = provider_hits(text);
    let e = hits
        .iter()
        .find(|e| e.detail == Some("tss04"))
        .expect("TSS04 entry");
    assert_eq!(e.provider, "yahoo");
    assert!(e.temporary);
    assert_eq!(e.retry.after_s, Some(7200));
    // A reason code must stand alone.
    assert!(
        provider_hits(b"421 [TSS045] nope")
            .iter()
            .all(|e| e.detail != Some("tss04"))
    );
}

#[test]
fn matcher_finds_gmail_marker() {
    let text = b"550 5.1.1 The email account that you tried to reach does not exist. \
                 https://support.google.com/mail/?p=NoSuchUser 41be03b00d2f7-5b2a0 - gsmtp";
    let found: Vec<_> = matches(text).collect();
    assert!(
        found
            .iter()
            .any(|m| matches!(m.rule, Rule::Marker(p) if p.id == "gmail"))
    );
    assert!(found.iter().any(
        |m| matches!(m.rule, Rule::Provider(e) if e.provider == "gmail"
        && e.category == Category::UserUnknown)
    ));
    for m in &found {
        assert!(m.start < m.end && m.end <= text.len());
    }
}

#[test]
fn matcher_verifies_filled_templates() {
    let text = b"554 5.7.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table";
    let hits = provider_hits(text);
    let e = hits
        .iter()
        .find(|e| e.provider == "postfix")
        .expect("postfix template");
    assert_eq!(e.category, Category::UserUnknown);
    let m = matches(text)
        .find(|m| matches!(m.rule, Rule::Provider(e) if e.provider == "postfix"))
        .expect("match");
    let span = &text[m.start..m.end];
    assert!(span.ends_with(b"User unknown in virtual mailbox table"));
    assert!(span.starts_with(b">:") || span.starts_with(b"<"));

    let text =
        b"554 5.7.1 Service unavailable; Client host [198.51.100.4] blocked using zen.spamhaus.org";
    assert!(
        provider_hits(text)
            .iter()
            .any(|e| e.provider == "postfix" && e.category == Category::Blocklisted)
    );
    // The anchor alone, without the rest of the template, is not enough.
    let text = b"Recipient address rejected: User unknown in virtual mailbox table";
    assert!(provider_hits(text).iter().all(|e| e.provider != "postfix"));
}

#[test]
fn matcher_is_case_insensitive_and_finds_phrases() {
    let text = b"450 4.2.0 GREYLISTED, please try again";
    assert!(
        matches(text)
            .any(|m| matches!(m.rule, Rule::Phrase(p) if p.category == Category::Greylisted))
    );
    assert_eq!(matches(b"").count(), 0);
}

#[test]
fn search_finds_titles_and_texts() {
    assert!(
        search("null mx").any(|h| matches!(h, maildiag_codes::Hit::Code(c) if c.code == "X.1.10"))
    );
    assert!(
        search("TSS04")
            .any(|h| matches!(h, maildiag_codes::Hit::Provider(e) if e.provider == "yahoo"))
    );
    let code: EnhancedCode = "5.7.515".parse().expect("code");
    assert!(maildiag_codes::entries_for_enhanced(code).any(|e| e.provider == "microsoft"));
    let code: EnhancedCode = "4.7.650".parse().expect("code");
    assert!(maildiag_codes::entries_for_enhanced(code).count() >= 1);
}

mod prop {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matches_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            for m in maildiag_codes::matches(&bytes) {
                prop_assert!(m.start <= m.end && m.end <= bytes.len());
            }
        }

        #[test]
        fn matches_never_panics_on_reply_like_text(s in "[0-9 .a-zA-Z<>@\\[\\]%$*:;-]{0,200}") {
            let mut text = String::from("550 5.7.1 ");
            text.push_str(&s);
            text.push_str(" Recipient address rejected: User unknown in local recipient table gsmtp");
            prop_assert!(maildiag_codes::matches(text.as_bytes()).count() >= 1);
        }
    }
}

/// `docs/taxonomy.md` is written by hand from `categories.toml`: its summary table and
/// each category's section must say what the data says.
#[test]
fn taxonomy_document_agrees_with_the_data() {
    let path = format!("{}/../../docs/taxonomy.md", env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(&path).expect("docs/taxonomy.md readable");
    for info in maildiag_codes::categories() {
        let name = info.category.as_str();
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}` |")))
            .unwrap_or_else(|| panic!("no summary row for {name}"));
        let hard = if info.hard_bounce { "yes" } else { "no" };
        let retry = match info.retry {
            r if !r.advised => "no".to_owned(),
            r => r
                .after_s
                .map_or_else(|| "yes".to_owned(), |s| format!("yes, after {s} s")),
        };
        let want = format!(
            "| `{name}` | {} | {} | {retry} | {} | {} | {hard} |",
            info.default_severity.as_str(),
            info.party.as_str(),
            info.sisimai_reasons.join(", "),
            info.bounce_class
        );
        assert_eq!(row, want, "summary row of {name}");
        let sisimai: Vec<String> = info
            .sisimai_reasons
            .iter()
            .map(|r| format!("`{r}`"))
            .collect();
        let section = format!(
            "Severity **{}**, party **{}**; Sisimai: {}; bounce class `{}`.",
            info.default_severity.as_str(),
            info.party.as_str(),
            sisimai.join(", "),
            info.bounce_class
        );
        let body = doc
            .split(&format!("### `{name}`"))
            .nth(1)
            .unwrap_or_else(|| panic!("no section for {name}"));
        let body = body.split("\n### ").next().unwrap_or(body);
        assert!(
            body.contains(&section),
            "section of {name} lacks {section:?}"
        );
    }
}
