//! `maildiag codes [--json] [QUERY]`: look up status codes and known provider replies.
//!
//! * a code (`4.7.1`, `450`, `5.7.515`): everything known about it, including the
//!   provider-specific replies that use it;
//! * words: a search over titles and texts;
//! * nothing: the whole knowledge base.

use std::io::{self, Write};
use std::process::ExitCode;

use maildiag_codes::{BasicInfo, CategoryInfo, CodeInfo, EnhancedCode, Hit, ProviderEntry};
use serde::Serialize;

use super::util::{flush, ok_or_broken_pipe};

/// Look up SMTP status codes, basic reply codes and known provider replies.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print one JSON array instead of text.
    #[arg(long)]
    pub json: bool,
    /// A code (`4.7.1`, `450`, `5.7.515`) or words to search for; nothing lists all.
    pub query: Vec<String>,
}

/// One printed row: the JSON object and the text line share these fields.
#[derive(Debug, Serialize)]
struct Row {
    code: String,
    kind: &'static str,
    title: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temporary: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'static str>,
}

impl Row {
    fn code(c: &'static CodeInfo, shown: Option<&str>, note: Option<&'static str>) -> Row {
        Row {
            code: shown.unwrap_or(c.code).to_owned(),
            kind: c.kind.as_str(),
            title: c.title.to_owned(),
            description: c.description.to_owned(),
            category: Some(c.category.as_str()),
            action: Some(c.action),
            note,
            reference: Some(c.reference),
            provider: None,
            temporary: None,
            source: None,
        }
    }

    fn basic(b: &'static BasicInfo) -> Row {
        Row {
            code: b.code.to_string(),
            kind: "basic",
            title: b.title.to_owned(),
            description: format!("{} Typical causes: {}.", b.description, b.causes.join("; ")),
            category: Some(b.category.as_str()),
            action: None,
            note: None,
            reference: Some(b.reference),
            provider: None,
            temporary: None,
            source: None,
        }
    }

    fn entry(e: &'static ProviderEntry) -> Row {
        let code = [e.basic, e.enhanced_text]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Row {
            code,
            kind: "provider",
            title: e.text.unwrap_or(e.pattern).to_owned(),
            description: e.meaning.to_owned(),
            category: Some(e.category.as_str()),
            action: Some(e.remedy),
            note: None,
            reference: None,
            provider: Some(e.provider),
            temporary: Some(e.temporary),
            source: Some(e.source),
        }
    }

    fn category(c: &'static CategoryInfo) -> Row {
        Row {
            code: c.category.as_str().to_owned(),
            kind: "category",
            title: c.category.as_str().to_owned(),
            description: c.description.to_owned(),
            category: Some(c.category.as_str()),
            action: c.remedies.first().copied(),
            note: None,
            reference: None,
            provider: None,
            temporary: None,
            source: None,
        }
    }
}

/// Rows for a query that is a code, or `None` when it is not one.
fn code_rows(q: &str) -> Option<Vec<Row>> {
    if let Ok(code) = q.parse::<EnhancedCode>() {
        let mut rows = vec![Row::code(maildiag_codes::class(code.class()), None, None)];
        if let Some(s) = maildiag_codes::subject(code.subject()) {
            rows.push(Row::code(s, None, None));
        }
        if let Some(e) = maildiag_codes::enhanced(code) {
            rows.push(Row::code(e, Some(q), e.note_for(code.class())));
        }
        rows.extend(maildiag_codes::entries_for_enhanced(code).map(Row::entry));
        return Some(rows);
    }
    if q.len() == 3 && q.bytes().all(|b| b.is_ascii_digit()) {
        let n: u16 = q.parse().ok()?;
        let mut rows: Vec<Row> = maildiag_codes::basic(n)
            .map(Row::basic)
            .into_iter()
            .collect();
        rows.extend(maildiag_codes::entries_for_basic(n).map(Row::entry));
        return Some(rows);
    }
    None
}

fn hit_row(h: Hit) -> Row {
    match h {
        Hit::Code(c) => Row::code(c, None, None),
        Hit::Basic(b) => Row::basic(b),
        Hit::Provider(e) => Row::entry(e),
        Hit::Category(c) => Row::category(c),
    }
}

fn print_text(rows: &[Row]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for r in rows {
        let who = r.provider.map(|p| format!(" [{p}]")).unwrap_or_default();
        writeln!(out, "{} ({}{who}) {}", r.code, r.kind, r.title)?;
        writeln!(out, "    {}", r.description)?;
        if let Some(n) = r.note {
            writeln!(out, "    note: {n}")?;
        }
        if let Some(a) = r.action {
            writeln!(out, "    do: {a}")?;
        }
        let mut meta = Vec::new();
        if let Some(c) = r.category {
            meta.push(format!("category={c}"));
        }
        if let Some(t) = r.temporary {
            meta.push(format!("temporary={t}"));
        }
        if let Some(s) = r.reference.or(r.source) {
            meta.push(format!("source={s}"));
        }
        if !meta.is_empty() {
            writeln!(out, "    {}", meta.join(" "))?;
        }
    }
    Ok(())
}

/// Runs `maildiag codes`.
pub fn run(args: Args) -> ExitCode {
    let query = args.query.join(" ");
    let q = query.trim();
    let rows: Vec<Row> = match code_rows(q) {
        Some(rows) => rows,
        None if q.is_empty() => maildiag_codes::iana()
            .map(|c| Row::code(c, None, None))
            .chain(maildiag_codes::basics().iter().map(Row::basic))
            .chain(maildiag_codes::categories().iter().map(Row::category))
            .chain(maildiag_codes::provider_entries().map(Row::entry))
            .collect(),
        None => maildiag_codes::search(q).map(hit_row).collect(),
    };
    let result = if args.json {
        serde_json::to_string_pretty(&rows)
            .map_err(io::Error::other)
            .and_then(|s| writeln!(io::stdout().lock(), "{s}"))
    } else {
        print_text(&rows)
    };
    if let Err(e) = ok_or_broken_pipe(result).and_then(|()| flush()) {
        eprintln!("maildiag codes: {e}");
        return ExitCode::FAILURE;
    }
    if rows.is_empty() {
        eprintln!("maildiag codes: nothing known about {q:?}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
