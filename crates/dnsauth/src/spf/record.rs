//! SPF record syntax (RFC 7208 §4.5–§7): parsing a record into terms, and macro strings.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Why a record (or a macro string) is not valid SPF syntax; evaluation turns it into
/// `permerror`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpfSyntaxError {
    /// The record does not start with `v=spf1`.
    #[error("not an SPF record (no v=spf1)")]
    NotSpf,
    /// The record holds bytes outside 7-bit ASCII.
    #[error("record contains non-ASCII characters")]
    NonAscii,
    /// A term is not a known mechanism nor a well-formed modifier.
    #[error("unknown or malformed term {0:?}")]
    BadTerm(String),
    /// A mechanism's argument is malformed (missing domain, bad address, bad CIDR).
    #[error("malformed argument in {0:?}")]
    BadArgument(String),
    /// A macro is malformed (`%` not followed by `{`, `%`, `_` or `-`, bad letter...).
    #[error("invalid macro in {0:?}")]
    BadMacro(String),
    /// A domain-spec does not end in a valid top label.
    #[error("invalid domain-spec {0:?}")]
    BadDomain(String),
    /// `redirect=` or `exp=` appears more than once.
    #[error("modifier {0:?} appears more than once")]
    DuplicateModifier(String),
}

/// A mechanism's qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qualifier {
    /// `+` (the default).
    Pass,
    /// `-`.
    Fail,
    /// `~`.
    SoftFail,
    /// `?`.
    Neutral,
}

impl Qualifier {
    /// The qualifier character.
    pub const fn as_char(self) -> char {
        match self {
            Qualifier::Pass => '+',
            Qualifier::Fail => '-',
            Qualifier::SoftFail => '~',
            Qualifier::Neutral => '?',
        }
    }
}

/// One part of a macro string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacroPart {
    /// Literal text (escapes `%%`, `%_`, `%-` already resolved).
    Literal(String),
    /// `%{letter digits r delimiters}`.
    Expand {
        /// The macro letter, lower-cased (`s l o d i p h c r t v`).
        letter: char,
        /// An upper-case letter asks for URL escaping.
        escape: bool,
        /// Keep only this many right-hand parts.
        digits: Option<usize>,
        /// Reverse the parts first.
        reverse: bool,
        /// Delimiters to split on (default `.`).
        delimiters: String,
    },
}

/// A parsed macro string (RFC 7208 §7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroString {
    /// The parts in order.
    pub parts: Vec<MacroPart>,
    /// The source text.
    pub text: String,
}

impl MacroString {
    /// Parses a macro string. `explain` allows the letters `c`, `r`, `t` and spaces
    /// (explain-string of an `exp=` TXT record).
    pub fn parse(s: &str, explain: bool) -> Result<MacroString, SpfSyntaxError> {
        let bad = || SpfSyntaxError::BadMacro(s.to_owned());
        let b = s.as_bytes();
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'%' {
                match b.get(i + 1) {
                    Some(b'%') => lit.push('%'),
                    Some(b'_') => lit.push(' '),
                    Some(b'-') => lit.push_str("%20"),
                    Some(b'{') => {
                        let end = s[i + 2..].find('}').ok_or_else(bad)? + i + 2;
                        let body = &s[i + 2..end];
                        let mut chars = body.chars();
                        let l = chars.next().ok_or_else(bad)?;
                        let letter = l.to_ascii_lowercase();
                        let allowed = if explain { "slodiphcrtv" } else { "slodiphv" };
                        if !allowed.contains(letter) {
                            return Err(bad());
                        }
                        let rest = chars.as_str();
                        let nd = rest.bytes().take_while(u8::is_ascii_digit).count();
                        let digits = if nd > 0 {
                            let d: usize = rest[..nd].parse().unwrap_or(usize::MAX);
                            if d == 0 {
                                return Err(bad());
                            }
                            Some(d.min(255))
                        } else {
                            None
                        };
                        let mut rest = &rest[nd..];
                        let mut reverse = false;
                        if rest.starts_with(['r', 'R']) {
                            reverse = true;
                            rest = &rest[1..];
                        }
                        if !rest.chars().all(|c| ".-+,/_=".contains(c)) {
                            return Err(bad());
                        }
                        if !lit.is_empty() {
                            parts.push(MacroPart::Literal(std::mem::take(&mut lit)));
                        }
                        parts.push(MacroPart::Expand {
                            letter,
                            escape: l.is_ascii_uppercase(),
                            digits,
                            reverse,
                            delimiters: rest.to_owned(),
                        });
                        i = end + 1;
                        continue;
                    }
                    _ => return Err(bad()),
                }
                i += 2;
                continue;
            }
            let ok = (0x21..=0x7e).contains(&c) || (explain && c == b' ');
            if !ok {
                return Err(bad());
            }
            lit.push(char::from(c));
            i += 1;
        }
        if !lit.is_empty() {
            parts.push(MacroPart::Literal(lit));
        }
        Ok(MacroString {
            parts,
            text: s.to_owned(),
        })
    }

    /// Whether the string contains any `%{...}` expansion.
    pub fn has_macros(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, MacroPart::Expand { .. }))
    }

    /// Parses a domain-spec: a macro string that ends in a macro or in `.toplabel[.]`.
    pub fn parse_domain_spec(s: &str) -> Result<MacroString, SpfSyntaxError> {
        if s.is_empty() {
            return Err(SpfSyntaxError::BadDomain(s.to_owned()));
        }
        let m = MacroString::parse(s, false)?;
        match m.parts.last() {
            Some(MacroPart::Expand { .. }) => Ok(m),
            Some(MacroPart::Literal(l)) => {
                // domain-end = "." toplabel ["."], the toplabel in this literal.
                let t = l.strip_suffix('.').unwrap_or(l);
                let (before, top) = match t.rfind('.') {
                    Some(p) => (true, &t[p + 1..]),
                    None => (m.parts.len() > 1 && t.is_empty(), t),
                };
                if before && valid_toplabel(top) {
                    Ok(m)
                } else {
                    Err(SpfSyntaxError::BadDomain(s.to_owned()))
                }
            }
            None => Err(SpfSyntaxError::BadDomain(s.to_owned())),
        }
    }
}

impl fmt::Display for MacroString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// RFC 7208 toplabel: alphanumeric with at least one letter, or alphanumeric with
/// inner dashes.
pub fn valid_toplabel(t: &str) -> bool {
    let b = t.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return false;
    }
    if b.contains(&b'-') {
        b[0].is_ascii_alphanumeric() && b[b.len() - 1].is_ascii_alphanumeric()
    } else {
        b.iter().any(u8::is_ascii_alphabetic)
    }
}

/// An SPF mechanism.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    /// `all`.
    All,
    /// `include:domain-spec`.
    Include(MacroString),
    /// `a[:domain-spec][/cidr4][//cidr6]`.
    A {
        /// Target; the current domain when absent.
        domain: Option<MacroString>,
        /// IPv4 prefix length (default 32).
        cidr4: u8,
        /// IPv6 prefix length (default 128).
        cidr6: u8,
    },
    /// `mx[:domain-spec][/cidr4][//cidr6]`.
    Mx {
        /// Target; the current domain when absent.
        domain: Option<MacroString>,
        /// IPv4 prefix length (default 32).
        cidr4: u8,
        /// IPv6 prefix length (default 128).
        cidr6: u8,
    },
    /// `ptr[:domain-spec]` (deprecated).
    Ptr(Option<MacroString>),
    /// `ip4:network[/len]`.
    Ip4(Ipv4Addr, u8),
    /// `ip6:network[/len]`.
    Ip6(Ipv6Addr, u8),
    /// `exists:domain-spec`.
    Exists(MacroString),
}

impl Mechanism {
    /// Whether evaluating it costs a DNS lookup (counts toward the limit of 10).
    pub fn does_lookup(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }
}

/// A qualified mechanism as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The qualifier.
    pub qualifier: Qualifier,
    /// The mechanism.
    pub mechanism: Mechanism,
    /// The term's text.
    pub text: String,
}

/// A parsed SPF record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfRecord {
    /// Directives in order.
    pub directives: Vec<Directive>,
    /// `redirect=` target.
    pub redirect: Option<MacroString>,
    /// `exp=` target.
    pub exp: Option<MacroString>,
    /// Other modifiers (name, value), ignored by evaluation.
    pub unknown_modifiers: Vec<(String, String)>,
}

/// Whether a TXT string is an SPF version 1 record: `v=spf1` (any case) followed by a
/// space or the end.
pub fn is_spf_record(txt: &[u8]) -> bool {
    txt.len() >= 6 && txt[..6].eq_ignore_ascii_case(b"v=spf1") && (txt.len() == 6 || txt[6] == b' ')
}

fn parse_cidr(s: &str) -> Option<u8> {
    if s.is_empty()
        || s.len() > 3
        || !s.bytes().all(|c| c.is_ascii_digit())
        || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// Splits `[/cidr4][//cidr6]` from the end of `arg`.
fn split_dual_cidr(arg: &str, term: &str) -> Result<(String, u8, u8), SpfSyntaxError> {
    let bad = || SpfSyntaxError::BadArgument(term.to_owned());
    let mut rest = arg;
    let mut c6 = 128;
    let mut c4 = 32;
    if let Some(p) = rest.rfind("//") {
        let tail = &rest[p + 2..];
        if tail.bytes().all(|c| c.is_ascii_digit()) {
            c6 = parse_cidr(tail).filter(|v| *v <= 128).ok_or_else(bad)?;
            rest = &rest[..p];
        }
    }
    if let Some(p) = rest.rfind('/') {
        let tail = &rest[p + 1..];
        if tail.bytes().all(|c| c.is_ascii_digit()) {
            c4 = parse_cidr(tail).filter(|v| *v <= 32).ok_or_else(bad)?;
            rest = &rest[..p];
        }
    }
    Ok((rest.to_owned(), c4, c6))
}

fn is_modifier_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphabetic()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

impl SpfRecord {
    /// Parses a whole record (`v=spf1 ...`).
    ///
    /// ```
    /// use maildiag_dnsauth::spf::SpfRecord;
    /// let r = SpfRecord::parse("v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all")?;
    /// assert_eq!(r.directives.len(), 3);
    /// assert!(SpfRecord::parse("v=spf1 ip4:192.0.2.0/33 -all").is_err());
    /// # Ok::<(), maildiag_dnsauth::spf::SpfSyntaxError>(())
    /// ```
    pub fn parse(text: &str) -> Result<SpfRecord, SpfSyntaxError> {
        if !text.is_ascii() {
            return Err(SpfSyntaxError::NonAscii);
        }
        if !is_spf_record(text.as_bytes()) {
            return Err(SpfSyntaxError::NotSpf);
        }
        let mut rec = SpfRecord {
            directives: Vec::new(),
            redirect: None,
            exp: None,
            unknown_modifiers: Vec::new(),
        };
        for term in text[6..].split(' ').filter(|t| !t.is_empty()) {
            rec.parse_term(term)?;
        }
        Ok(rec)
    }

    fn parse_term(&mut self, term: &str) -> Result<(), SpfSyntaxError> {
        // Modifier: name "=" macro-string.
        if let Some(eq) = term.find('=') {
            let name = &term[..eq];
            if is_modifier_name(name) {
                let value = &term[eq + 1..];
                let lname = name.to_ascii_lowercase();
                match lname.as_str() {
                    "redirect" | "exp" => {
                        let m = MacroString::parse_domain_spec(value)?;
                        let slot = if lname == "redirect" {
                            &mut self.redirect
                        } else {
                            &mut self.exp
                        };
                        if slot.is_some() {
                            return Err(SpfSyntaxError::DuplicateModifier(lname));
                        }
                        *slot = Some(m);
                    }
                    _ => {
                        MacroString::parse(value, false)?;
                        self.unknown_modifiers
                            .push((name.to_owned(), value.to_owned()));
                    }
                }
                return Ok(());
            }
        }
        let (qualifier, body) = match term.as_bytes()[0] {
            b'+' => (Qualifier::Pass, &term[1..]),
            b'-' => (Qualifier::Fail, &term[1..]),
            b'~' => (Qualifier::SoftFail, &term[1..]),
            b'?' => (Qualifier::Neutral, &term[1..]),
            _ => (Qualifier::Pass, term),
        };
        let name_end = body.find([':', '/']).unwrap_or(body.len());
        let name = body[..name_end].to_ascii_lowercase();
        let rest = &body[name_end..];
        let bad_arg = || SpfSyntaxError::BadArgument(term.to_owned());
        let domain_arg = |rest: &str| -> Result<MacroString, SpfSyntaxError> {
            let d = rest.strip_prefix(':').ok_or_else(bad_arg)?;
            MacroString::parse_domain_spec(d)
        };
        let mechanism = match name.as_str() {
            "all" if rest.is_empty() => Mechanism::All,
            "include" => Mechanism::Include(domain_arg(rest)?),
            "exists" => Mechanism::Exists(domain_arg(rest)?),
            "ptr" => {
                if rest.is_empty() {
                    Mechanism::Ptr(None)
                } else {
                    Mechanism::Ptr(Some(domain_arg(rest)?))
                }
            }
            "a" | "mx" => {
                let (dom, cidr4, cidr6) = split_dual_cidr(rest, term)?;
                let domain = if dom.is_empty() {
                    None
                } else {
                    Some(domain_arg(&dom)?)
                };
                if name == "a" {
                    Mechanism::A {
                        domain,
                        cidr4,
                        cidr6,
                    }
                } else {
                    Mechanism::Mx {
                        domain,
                        cidr4,
                        cidr6,
                    }
                }
            }
            "ip4" => {
                let arg = rest.strip_prefix(':').ok_or_else(bad_arg)?;
                let (addr, len) = match arg.split_once('/') {
                    Some((a, l)) => (a, parse_cidr(l).filter(|v| *v <= 32).ok_or_else(bad_arg)?),
                    None => (arg, 32),
                };
                Mechanism::Ip4(addr.parse().map_err(|_| bad_arg())?, len)
            }
            "ip6" => {
                let arg = rest.strip_prefix(':').ok_or_else(bad_arg)?;
                let (addr, len) = match arg.split_once('/') {
                    Some((a, l)) => (a, parse_cidr(l).filter(|v| *v <= 128).ok_or_else(bad_arg)?),
                    None => (arg, 128),
                };
                Mechanism::Ip6(addr.parse().map_err(|_| bad_arg())?, len)
            }
            _ => return Err(SpfSyntaxError::BadTerm(term.to_owned())),
        };
        self.directives.push(Directive {
            qualifier,
            mechanism,
            text: term.to_owned(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terms() {
        let r = SpfRecord::parse("v=spf1 a mx/24//64 -ptr ~include:x.example ip6:2001:db8::/32 exists:%{ir}.x.example ?all moo=bar")
            .map_err(|e| e.to_string());
        let Ok(r) = r else { panic!("{r:?}") };
        assert_eq!(r.directives.len(), 7);
        assert_eq!(r.unknown_modifiers.len(), 1);
        assert!(matches!(
            r.directives[1].mechanism,
            Mechanism::Mx {
                cidr4: 24,
                cidr6: 64,
                ..
            }
        ));
    }

    #[test]
    fn rejects() {
        for bad in [
            "v=spf1 a:example",
            "v=spf1 ip4:1.2.3.4/032",
            "v=spf1 ip4:1.2.3.4//32",
            "v=spf1 foo",
            "v=spf1 redirect=a.example redirect=b.example",
            "v=spf1 exists:%{x}.example.com",
            "v=spf1 exists:%{d0}.example.com",
            "v=spf1 a:foo.example.123",
            "v=spf1 include:",
        ] {
            assert!(SpfRecord::parse(bad).is_err(), "{bad}");
        }
        assert!(SpfRecord::parse("v=spf1 a:foo:bar/baz.example.com").is_ok());
        assert!(SpfRecord::parse("v=spf1 a:foo.example-dash").is_ok());
        assert!(!is_spf_record(b"v=spf1mx"));
        assert!(is_spf_record(b"V=SPF1"));
    }
}
