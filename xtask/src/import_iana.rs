//! `cargo xtask import-iana PATH`: refreshes `crates/codes/data/iana.toml` from the IANA
//! registry file `smtp-enhanced-status-codes.xml` (or a CSV export with the columns
//! `code,sample_text,associated_basic_status,...,reference`).
//!
//! The registry's facts (code, title, basic codes, reference) are replaced; our own
//! columns (category, explanation, action, notes) are kept. New codes get placeholder
//! explanations and are listed on stderr so that someone writes them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::codegen::{IanaFile, IanaKey, IanaRow, data_dir, iana_key};

/// The comment block at the top of `iana.toml`.
const IANA_HEADER: &str = "\
# The IANA \"SMTP Enhanced Status Codes\" registry (class, subject and enumerated codes).
# code, title, basic, reference are facts from the registry and are refreshed by
# `cargo xtask import-iana PATH`; category, explanation, action and the notes are ours.
";

/// Placeholder text for a code the registry added since our last import.
const UNEXPLAINED: &str = "(not yet explained: new registry entry)";

/// The registry facts of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fact {
    pub(crate) code: String,
    pub(crate) title: String,
    pub(crate) basic: String,
    pub(crate) reference: String,
}

/// `cargo xtask import-iana PATH`.
pub(crate) fn run(args: Vec<String>) -> Result<(), String> {
    let [path] = args.as_slice() else {
        return Err("usage: cargo xtask import-iana PATH (registry .xml or .csv)".into());
    };
    let input = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let facts = parse_registry(&input)?;
    let target = data_dir(&crate::workspace_root()).join("iana.toml");
    let (text, new) = refresh(&target, &facts)?;
    std::fs::write(&target, text).map_err(|e| format!("{}: {e}", target.display()))?;
    eprintln!("{}: {} registry rows", target.display(), facts.len());
    if !new.is_empty() {
        eprintln!("new codes needing an explanation: {}", new.join(", "));
    }
    eprintln!("now run `cargo xtask codegen`");
    Ok(())
}

/// Parses XML (when the text starts with `<`) or CSV.
pub(crate) fn parse_registry(input: &str) -> Result<Vec<Fact>, String> {
    let facts = if input.trim_start().starts_with('<') {
        parse_xml(input)?
    } else {
        parse_csv(input)?
    };
    if facts.is_empty() {
        return Err("no registry rows found".into());
    }
    for f in &facts {
        if iana_key(&f.code).is_none() {
            return Err(format!("unexpected code {:?} in the registry file", f.code));
        }
    }
    Ok(facts)
}

/// Merges `facts` into the existing file; returns the new text and the new codes.
pub(crate) fn refresh(target: &Path, facts: &[Fact]) -> Result<(String, Vec<String>), String> {
    let old: IanaFile = match std::fs::read_to_string(target) {
        Ok(t) => toml::from_str(&t).map_err(|e| format!("{}: {e}", target.display()))?,
        Err(_) => IanaFile { code: Vec::new() },
    };
    let old: BTreeMap<String, IanaRow> =
        old.code.into_iter().map(|r| (r.code.clone(), r)).collect();
    let mut rows: BTreeMap<IanaKey, IanaRow> = BTreeMap::new();
    let mut new = Vec::new();
    for f in facts {
        let key = iana_key(&f.code).ok_or_else(|| format!("bad code {:?}", f.code))?;
        let mut row = match old.get(&f.code) {
            Some(r) => r.clone(),
            None => {
                new.push(f.code.clone());
                IanaRow {
                    category: "other".into(),
                    explanation: UNEXPLAINED.into(),
                    action: UNEXPLAINED.into(),
                    ..IanaRow::default()
                }
            }
        };
        row.code = f.code.clone();
        row.title = f.title.clone();
        row.basic = f.basic.clone();
        row.reference = f.reference.clone();
        rows.insert(key, row);
    }
    Ok((render(rows.values()), new))
}

fn q(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Writes rows in the layout of `iana.toml`.
fn render<'a>(rows: impl Iterator<Item = &'a IanaRow>) -> String {
    let mut s = String::from(IANA_HEADER);
    for r in rows {
        let _ = write!(
            s,
            "\n[[code]]\ncode = {}\ntitle = {}\nbasic = {}\nreference = {}\ncategory = {}\n\
             explanation = {}\naction = {}\n",
            q(&r.code),
            q(&r.title),
            q(&r.basic),
            q(&r.reference),
            q(&r.category),
            q(&r.explanation),
            q(&r.action)
        );
        if let Some(n) = &r.transient_note {
            let _ = writeln!(s, "transient_note = {}", q(n));
        }
        if let Some(n) = &r.permanent_note {
            let _ = writeln!(s, "permanent_note = {}", q(n));
        }
    }
    s
}

// ---------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------

/// Splits CSV text into records (RFC 4180 quoting).
fn csv_records(input: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut rec = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => rec.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                rec.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut rec));
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || !rec.is_empty() {
        rec.push(field);
        records.push(rec);
    }
    records.retain(|r| !(r.len() == 1 && r[0].trim().is_empty()));
    records
}

fn parse_csv(input: &str) -> Result<Vec<Fact>, String> {
    let mut recs = csv_records(input).into_iter();
    let header = recs.next().ok_or("empty CSV")?;
    let col = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let code = col(&["code"]).ok_or("CSV lacks a `code` column")?;
    let title =
        col(&["sample_text", "sample", "title", "summary"]).ok_or("CSV lacks a title column")?;
    let basic = col(&["associated_basic_status", "basic_code", "basic"]);
    let reference = col(&["reference"]).ok_or("CSV lacks a `reference` column")?;
    let get = |r: &[String], i: usize| r.get(i).map(|s| s.trim().to_owned()).unwrap_or_default();
    Ok(recs
        .map(|r| Fact {
            code: get(&r, code),
            title: get(&r, title),
            basic: basic.map(|b| get(&r, b)).unwrap_or_default(),
            reference: get(&r, reference),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------------------

/// The text between `<tag>` (or `<tag attr...>`) and `</tag>`, if present.
fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}");
    let mut from = 0;
    loop {
        let start = from + xml[from..].find(&open)?;
        let after = start + open.len();
        let next = xml[after..].chars().next()?;
        if next == '>' || next.is_whitespace() {
            let body = after + xml[after..].find('>')? + 1;
            if xml[..body].ends_with("/>") {
                return Some("");
            }
            let end = body + xml[body..].find(&format!("</{tag}>"))?;
            return Some(&xml[body..end]);
        }
        from = after;
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `<xref type="rfc" data="rfc3463"/> (Standards track); <xref .../>` → `RFC3463; ...`.
fn references(xml: &str) -> String {
    let mut refs = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<xref") {
        rest = &rest[i + 5..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        let attr = |name: &str| {
            let key = format!("{name}=\"");
            tag.find(&key).and_then(|p| {
                let v = &tag[p + key.len()..];
                v.find('"').map(|e| v[..e].to_owned())
            })
        };
        if let Some(data) = attr("data") {
            let is_rfc = attr("type").as_deref() == Some("rfc");
            refs.push(if is_rfc {
                data.to_ascii_uppercase()
            } else {
                data
            });
        }
    }
    if refs.is_empty() {
        squash(&unescape(xml))
    } else {
        refs.join("; ")
    }
}

fn parse_xml(input: &str) -> Result<Vec<Fact>, String> {
    let mut facts = Vec::new();
    let mut rest = input;
    while let Some(i) = rest.find("<record") {
        rest = &rest[i..];
        let end = rest.find("</record>").ok_or("unterminated <record>")?;
        let rec = &rest[..end];
        rest = &rest[end + 9..];
        let Some(code) = element(rec, "code") else {
            continue;
        };
        let title = element(rec, "sample")
            .or_else(|| element(rec, "summary"))
            .unwrap_or("");
        facts.push(Fact {
            code: squash(&unescape(code)),
            title: squash(&unescape(title)),
            basic: squash(&unescape(element(rec, "basic_code").unwrap_or(""))),
            reference: element(rec, "reference")
                .map(references)
                .unwrap_or_default(),
        });
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version='1.0' encoding='UTF-8'?>
<registry xmlns="http://www.iana.org/assignments" id="smtp-enhanced-status-codes">
  <registry id="smtp-enhanced-status-codes-1">
    <record>
      <code>4.XXX.YYY</code>
      <summary>Persistent Transient Failure</summary>
      <description>A persistent transient failure.</description>
      <reference><xref type="rfc" data="rfc3463"/> (Standards track)</reference>
    </record>
  </registry>
  <registry id="smtp-enhanced-status-codes-3">
    <record date="2014-08-28" updated="2015-05-18">
      <code>X.1.10</code>
      <sample>Recipient address has null MX</sample>
      <basic_code>556</basic_code>
      <description>Null MX.</description>
      <reference><xref type="rfc" data="rfc7505"/> (Standards Track); <xref type="rfc" data="rfc7504"/> (Standards Track)</reference>
    </record>
    <record>
      <code>X.7.28</code>
      <sample>Mail flood detected</sample>
      <basic_code>.</basic_code>
      <reference><xref type="draft" data="draft-levine-mailbomb-header-00"/></reference>
    </record>
    <record>
      <code>X.7.99</code>
      <sample>Invented &amp; new</sample>
      <basic_code>550</basic_code>
      <reference><xref type="rfc" data="rfc9999"/></reference>
    </record>
  </registry>
</registry>"#;

    #[test]
    fn parses_registry_xml() {
        let facts = parse_registry(XML).expect("xml parses");
        assert_eq!(facts.len(), 4);
        assert_eq!(
            facts[1],
            Fact {
                code: "X.1.10".into(),
                title: "Recipient address has null MX".into(),
                basic: "556".into(),
                reference: "RFC7505; RFC7504".into(),
            }
        );
        assert_eq!(facts[0].title, "Persistent Transient Failure");
        assert_eq!(facts[2].reference, "draft-levine-mailbomb-header-00");
        assert_eq!(facts[3].title, "Invented & new");
    }

    #[test]
    fn parses_registry_csv() {
        let csv = "code,sample_text,associated_basic_status,description_summary,reference\n\
                   X.1.1,Bad destination mailbox address,\"451, 550\",ours,RFC3463\n";
        let facts = parse_registry(csv).expect("csv parses");
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].basic, "451, 550");
        assert_eq!(facts[0].reference, "RFC3463");
    }

    #[test]
    fn refresh_keeps_our_words() {
        let dir = std::env::temp_dir().join(format!("maildiag-import-iana-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("iana.toml");
        std::fs::write(
            &path,
            "[[code]]\ncode = \"X.1.10\"\ntitle = \"old\"\nbasic = \"\"\nreference = \"RFC7505\"\n\
             category = \"domain_not_found\"\nexplanation = \"ours\"\naction = \"do it\"\n",
        )
        .expect("write");
        let facts = parse_registry(XML).expect("xml parses");
        let (text, new) = refresh(&path, &facts).expect("refresh");
        assert_eq!(new, vec!["4.XXX.YYY", "X.7.28", "X.7.99"]);
        let parsed: IanaFile = toml::from_str(&text).expect("valid toml");
        let row = parsed
            .code
            .iter()
            .find(|r| r.code == "X.1.10")
            .expect("row kept");
        assert_eq!(row.title, "Recipient address has null MX");
        assert_eq!(row.reference, "RFC7505; RFC7504");
        assert_eq!(row.explanation, "ours");
        assert_eq!(row.category, "domain_not_found");
        // Class rows sort first, then enumerated codes by number.
        assert_eq!(parsed.code[0].code, "4.XXX.YYY");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
