//! The parsed email as the readers see it: headers, decoded text, report parts and the
//! returned original message.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use crate::model::OriginalMessage;

/// Everything a format reader may look at, prepared once per email.
pub(crate) struct Ctx {
    /// Top-level headers: lower-cased name and unfolded raw value.
    pub headers: Vec<(String, String)>,
    /// Decoded `Subject`.
    pub subject: String,
    /// Lower-cased `From` header (raw).
    pub from: String,
    /// Decoded text of the textual parts (not the returned message), LF line ends.
    pub body: String,
    /// Bodies of `message/delivery-status` parts.
    pub dsn_parts: Vec<Vec<u8>>,
    /// Body of a `message/feedback-report` part.
    pub feedback: Option<Vec<u8>>,
    /// `report-type` of a `multipart/report` content type, lower-cased.
    pub report_type: Option<String>,
    /// The returned message's identifiers (from a MIME part; see `original_in_body`).
    pub original: OriginalMessage,
    /// The returned message's `To` addresses (for formats that name no recipient).
    pub original_to: Vec<String>,
    /// The report's `Date`.
    pub date: Option<String>,
}

impl Ctx {
    /// The first top-level header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `true` when any top-level header of this name contains `needle` (case-insensitive).
    pub fn header_contains(&self, name: &str, needle: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, v)| n == name && crate::text::contains_ci(v, needle))
    }

    /// `true` when the subject contains `needle` (case-insensitive).
    pub fn subject_has(&self, needle: &str) -> bool {
        crate::text::contains_ci(&self.subject, needle)
    }

    /// `true` when the body contains `needle` (case-insensitive).
    pub fn body_has(&self, needle: &str) -> bool {
        crate::text::contains_ci(&self.body, needle)
    }

    /// `true` when the From header contains `needle` (lower-case).
    pub fn sender_has(&self, needle: &str) -> bool {
        self.from.contains(needle)
    }

    pub fn new(msg: &Message<'_>) -> Ctx {
        let headers: Vec<(String, String)> = msg
            .headers_raw()
            .map(|(n, v)| (n.to_ascii_lowercase(), unfold(v)))
            .collect();
        let subject = msg.subject().map(str::to_owned).unwrap_or_default();
        let from = headers
            .iter()
            .find(|(n, _)| n == "from")
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_default();
        let date = headers
            .iter()
            .find(|(n, _)| n == "date")
            .map(|(_, v)| v.clone());
        let report_type = msg.content_type().and_then(|ct| {
            if ct.ctype().eq_ignore_ascii_case("multipart") {
                ct.attribute("report-type").map(str::to_ascii_lowercase)
            } else {
                None
            }
        });
        let mut ctx = Ctx {
            headers,
            subject,
            from,
            body: String::new(),
            dsn_parts: Vec::new(),
            feedback: None,
            report_type,
            original: OriginalMessage::default(),
            original_to: Vec::new(),
            date,
        };
        let mut html = String::new();
        let mut have_original = false;
        for part in &msg.parts {
            let (ctype, sub) = match part.content_type() {
                Some(ct) => (
                    ct.ctype().to_ascii_lowercase(),
                    ct.subtype().unwrap_or("").to_ascii_lowercase(),
                ),
                None => (String::new(), String::new()),
            };
            match &part.body {
                PartType::Multipart(_) => {}
                PartType::Message(m) => {
                    if !have_original {
                        have_original = true;
                        ctx.set_original(m);
                    }
                }
                body => {
                    let kind = (ctype.as_str(), sub.as_str());
                    match kind {
                        ("message", "delivery-status" | "global-delivery-status")
                        | ("text", "delivery-status") => {
                            ctx.dsn_parts.push(part.contents().to_vec());
                        }
                        ("message", "feedback-report") => {
                            ctx.feedback = Some(part.contents().to_vec());
                        }
                        ("text", "rfc822-headers") | ("message", "rfc822-headers") => {
                            if !have_original {
                                have_original = true;
                                if let Some(m) =
                                    MessageParser::default().parse_headers(part.contents())
                                {
                                    ctx.set_original(&m);
                                }
                            }
                        }
                        ("message", "rfc822" | "global") => {
                            // A returned message mail-parser did not nest (e.g. encoded).
                            if !have_original {
                                have_original = true;
                                if let Some(m) =
                                    MessageParser::default().parse_headers(part.contents())
                                {
                                    ctx.set_original(&m);
                                }
                            }
                        }
                        _ => match body {
                            PartType::Text(t) => push_text(&mut ctx.body, t),
                            PartType::Html(t) => push_text(&mut html, &strip_html(t)),
                            PartType::Binary(b) | PartType::InlineBinary(b)
                                if ctype.is_empty() || ctype == "text" =>
                            {
                                push_text(&mut ctx.body, &String::from_utf8_lossy(b));
                            }
                            _ => {}
                        },
                    }
                }
            }
        }
        if ctx.body.trim().is_empty() && !html.is_empty() {
            ctx.body = html;
        }
        ctx
    }

    fn set_original(&mut self, m: &Message<'_>) {
        self.original = original_of(m);
        self.original_to = m
            .to()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.address.as_deref().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
    }

    /// Reads the returned message's headers from the body text after `at`, when no MIME
    /// part carried them.
    pub fn original_from_text(&mut self, at: usize) {
        if !self.original.is_empty() {
            return;
        }
        let Some(rest) = self.body.get(at..) else {
            return;
        };
        // Skip the marker line itself and blank lines.
        let rest = rest
            .split_once('\n')
            .map_or("", |(_, r)| r)
            .trim_start_matches(['\n', ' ']);
        if let Some(m) = MessageParser::default().parse_headers(rest.as_bytes()) {
            let o = original_of(&m);
            let to: Vec<String> = m
                .to()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.address.as_deref().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            self.original = o;
            self.original_to = to;
        }
    }
}

fn original_of(m: &Message<'_>) -> OriginalMessage {
    let addrs = |a: Option<&mail_parser::Address<'_>>| {
        a.map(|a| {
            a.iter()
                .filter_map(|x| x.address.as_deref())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|s| !s.is_empty())
    };
    OriginalMessage {
        message_id: m.message_id().map(str::to_owned),
        from: addrs(m.from()),
        to: addrs(m.to()),
        subject: m.subject().map(str::to_owned),
        date: m.header_raw("Date").map(unfold),
    }
}

fn push_text(out: &mut String, t: &str) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if t.contains('\r') {
        out.push_str(&t.replace("\r\n", "\n").replace('\r', "\n"));
    } else {
        out.push_str(t);
    }
}

/// Joins folded header lines and trims.
pub(crate) fn unfold(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for (i, line) in v.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        if i > 0 {
            s.push(' ');
            s.push_str(line.trim_start());
        } else {
            s.push_str(line);
        }
    }
    s.trim().to_owned()
}

/// A crude HTML-to-text: drops tags, scripts and styles, turns block ends into line
/// breaks and decodes the common entities.
pub(crate) fn strip_html(h: &str) -> String {
    let mut out = String::with_capacity(h.len() / 2);
    let mut rest = h;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[1..gt].trim_start_matches('/').to_ascii_lowercase();
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[gt + 1..];
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            match crate::text::find_ci(rest, &close) {
                Some(p) => {
                    rest = &rest[p..];
                    if let Some(g) = rest.find('>') {
                        rest = &rest[g + 1..];
                    }
                }
                None => rest = "",
            }
            continue;
        }
        if matches!(
            name.as_str(),
            "br" | "p" | "div" | "tr" | "li" | "table" | "h1" | "h2" | "h3"
        ) {
            out.push('\n');
        } else if matches!(name.as_str(), "td" | "th") {
            out.push(' ');
        }
    }
    out.push_str(rest);
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
