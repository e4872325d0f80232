//! Word search over the knowledge base (titles, descriptions and reply texts).

use crate::{BasicInfo, CategoryInfo, CodeInfo, ProviderEntry, contains_ci};

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// An IANA class, subject or enumerated code.
    Code(&'static CodeInfo),
    /// A basic reply code.
    Basic(&'static BasicInfo),
    /// A provider catalogue entry.
    Provider(&'static ProviderEntry),
    /// A taxonomy category.
    Category(&'static CategoryInfo),
}

/// Every IANA row, basic code, category and provider entry whose texts contain all the
/// whitespace-separated words of `query` (ASCII-case-insensitive). An empty query
/// yields everything.
///
/// ```
/// use maildiag_codes::{Hit, search};
/// assert!(search("greylisted").any(|h| matches!(h, Hit::Provider(e) if e.provider == "postgrey")));
/// assert!(search("null MX").any(|h| matches!(h, Hit::Code(c) if c.code == "X.1.10")));
/// ```
pub fn search(query: &str) -> impl Iterator<Item = Hit> + '_ {
    let all = move |fields: &[&str]| {
        query
            .split_whitespace()
            .all(|w| fields.iter().any(|f| contains_ci(f, w)))
    };
    let codes = crate::iana()
        .filter(move |c| {
            all(&[
                c.code,
                c.title,
                c.description,
                c.action,
                c.category.as_str(),
            ])
        })
        .map(Hit::Code);
    let basics = crate::basics()
        .iter()
        .filter(move |b| {
            all(&[b.title, b.description, b.category.as_str()])
                || b.causes.iter().any(|c| all(&[c]))
                || query.trim().parse::<u16>().ok() == Some(b.code)
        })
        .map(Hit::Basic);
    let cats = crate::categories()
        .iter()
        .filter(move |c| all(&[c.category.as_str(), c.description, c.bounce_class]))
        .map(Hit::Category);
    let entries = crate::provider_entries()
        .filter(move |e| {
            all(&[
                e.provider,
                e.pattern,
                e.text.unwrap_or(""),
                e.meaning,
                e.remedy,
                e.category.as_str(),
                e.detail.unwrap_or(""),
                e.enhanced_text.unwrap_or(""),
                e.basic.unwrap_or(""),
            ])
        })
        .map(Hit::Provider);
    codes.chain(basics).chain(cats).chain(entries)
}
