//! DKIM key records (RFC 6376 §3.6.1, RFC 8463): tags, key type and size, revocation,
//! testing mode, hash restrictions.

use base64::Engine as _;
use maildiag_types::Category;
use serde::{Deserialize, Serialize};

use crate::dmarc::parse_tag_list;
use crate::dns::DnsLookup;
use crate::finding::{CheckKind, Finding, Level};

/// Selectors tried when none is given.
pub const COMMON_SELECTORS: &[&str] = &[
    "default",
    "google",
    "selector1",
    "selector2",
    "k1",
    "k2",
    "k3",
    "s1",
    "s2",
    "mail",
    "dkim",
    "smtp",
    "mx",
    "email",
    "key1",
    "key2",
    "sig1",
    "mandrill",
    "mailjet",
    "everlytickey1",
    "everlytickey2",
    "pm",
    "zendesk1",
    "zendesk2",
    "amazonses",
    "fm1",
    "fm2",
    "fm3",
    "protonmail",
    "protonmail2",
    "protonmail3",
];

/// The key algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum KeyType {
    /// RSA.
    Rsa,
    /// Ed25519 (RFC 8463).
    Ed25519,
}

/// A parsed key record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DkimKey {
    /// `k=`.
    pub key_type: KeyType,
    /// Key size in bits (RSA modulus length; 256 for Ed25519); `None` when revoked.
    pub bits: Option<usize>,
    /// `p=` empty: the key is revoked.
    pub revoked: bool,
    /// `t=y`.
    pub testing: bool,
    /// `t=s`.
    pub strict: bool,
    /// `h=` hash algorithms (empty: any).
    pub hashes: Vec<String>,
    /// The record text.
    pub raw: String,
}

/// Why a key record is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DkimKeyError {
    /// The tag list is malformed.
    #[error("malformed tag list: {0}")]
    Tags(String),
    /// `v=` is present but not `DKIM1`, or not first.
    #[error("bad version tag")]
    Version,
    /// No `p=` tag.
    #[error("no p= tag")]
    MissingKey,
    /// `p=` is not base64 or not a public key of the announced type.
    #[error("p= is not a valid {0} public key")]
    BadKey(&'static str),
    /// `k=` names an unknown algorithm.
    #[error("unknown key type k={0}")]
    UnknownType(String),
}

fn der_item(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let l0 = *b.get(1)?;
    let (len, hdr) = if l0 < 0x80 {
        (usize::from(l0), 2)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let body = b.get(hdr..hdr.checked_add(len)?)?;
    Some((tag, body, &b[hdr + len..]))
}

/// The modulus length in bits of an RSA public key given as DER SubjectPublicKeyInfo
/// or as a bare PKCS#1 RSAPublicKey.
pub fn rsa_modulus_bits(der: &[u8]) -> Option<usize> {
    let (tag, seq, _) = der_item(der)?;
    if tag != 0x30 {
        return None;
    }
    let (t1, first, rest) = der_item(seq)?;
    let rsa_pub = if t1 == 0x30 {
        // SubjectPublicKeyInfo: AlgorithmIdentifier then BIT STRING.
        let (t2, bits, _) = der_item(rest)?;
        if t2 != 0x03 || bits.first() != Some(&0) {
            return None;
        }
        let (t3, inner, _) = der_item(&bits[1..])?;
        if t3 != 0x30 {
            return None;
        }
        inner
    } else if t1 == 0x02 {
        seq
    } else {
        let _ = first;
        return None;
    };
    let (t, n, _) = der_item(rsa_pub)?;
    if t != 0x02 {
        return None;
    }
    let n = match n.iter().position(|b| *b != 0) {
        Some(p) => &n[p..],
        None => return None,
    };
    Some(n.len() * 8 - n[0].leading_zeros() as usize)
}

/// Parses a DKIM key record.
///
/// ```
/// use maildiag_dnsauth::dkim::parse_dkim_key;
/// let k = parse_dkim_key("v=DKIM1; k=rsa; p=").unwrap();
/// assert!(k.revoked);
/// ```
pub fn parse_dkim_key(text: &str) -> Result<DkimKey, DkimKeyError> {
    let tags = parse_tag_list(text).map_err(DkimKeyError::Tags)?;
    if let Some(pos) = tags.iter().position(|(k, _)| k == "v")
        && (pos != 0 || tags[pos].1 != "DKIM1")
    {
        return Err(DkimKeyError::Version);
    }
    let get = |k: &str| tags.iter().find(|(t, _)| t == k).map(|(_, v)| v.as_str());
    let key_type = match get("k").map(str::to_ascii_lowercase).as_deref() {
        None | Some("rsa") => KeyType::Rsa,
        Some("ed25519") => KeyType::Ed25519,
        Some(other) => return Err(DkimKeyError::UnknownType(other.to_owned())),
    };
    let p: String = get("p")
        .ok_or(DkimKeyError::MissingKey)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let flags: Vec<&str> = get("t")
        .map(|t| t.split(':').map(str::trim).collect())
        .unwrap_or_default();
    let hashes = get("h")
        .map(|h| {
            h.split(':')
                .map(|s| s.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let revoked = p.is_empty();
    let bits = if revoked {
        None
    } else {
        let der = base64::engine::general_purpose::STANDARD
            .decode(p.as_bytes())
            .map_err(|_| {
                DkimKeyError::BadKey(if key_type == KeyType::Rsa {
                    "RSA"
                } else {
                    "Ed25519"
                })
            })?;
        Some(match key_type {
            KeyType::Rsa => rsa_modulus_bits(&der).ok_or(DkimKeyError::BadKey("RSA"))?,
            KeyType::Ed25519 => {
                if der.len() != 32 {
                    return Err(DkimKeyError::BadKey("Ed25519"));
                }
                256
            }
        })
    };
    Ok(DkimKey {
        key_type,
        bits,
        revoked,
        testing: flags.contains(&"y"),
        strict: flags.contains(&"s"),
        hashes,
        raw: text.to_owned(),
    })
}

fn f(level: Level, code: &str, msg: impl Into<String>) -> Finding {
    Finding::new(CheckKind::Dkim, level, code, msg)
}

/// Checks the key records of `selectors` (or of [`COMMON_SELECTORS`] when empty).
pub async fn check_dkim<L: DnsLookup>(
    dns: &L,
    domain: &str,
    selectors: &[String],
) -> (Vec<(String, DkimKey)>, Vec<Finding>) {
    let guessing = selectors.is_empty();
    let list: Vec<String> = if guessing {
        COMMON_SELECTORS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        selectors.to_vec()
    };
    // Selectors are looked up concurrently (bounded); results keep the list order.
    let per_selector = crate::concurrent::bounded_map(
        list.iter().map(String::as_str).collect(),
        crate::concurrent::MAX_CONCURRENT,
        |sel| check_selector(dns, domain, sel, guessing),
    )
    .await;
    let mut keys = Vec::new();
    let mut out = Vec::new();
    for (key, findings) in per_selector {
        keys.extend(key);
        out.extend(findings);
    }
    if guessing && keys.is_empty() {
        out.push(f(Level::Info, "dkim.no_selector_found", format!("no DKIM key found under {} common selectors; give the selector from a DKIM-Signature s= tag", list.len())).name(domain));
    }
    (keys, out)
}

/// Looks up and judges one selector's key record.
async fn check_selector<L: DnsLookup>(
    dns: &L,
    domain: &str,
    sel: &str,
    guessing: bool,
) -> (Option<(String, DkimKey)>, Vec<Finding>) {
    let mut out = Vec::new();
    let name = format!("{sel}._domainkey.{domain}");
    let txts = match dns.txt(&name).await {
        Ok(t) => t,
        Err(e) if e.is_temporary() => {
            out.push(
                f(Level::Warning, "dkim.dns_error", format!("{name}: {e}"))
                    .name(&name)
                    .category(Category::DnsFailure),
            );
            return (None, out);
        }
        Err(_) => {
            if !guessing {
                out.push(
                    f(
                        Level::Error,
                        "dkim.missing",
                        format!("no DKIM key at {name}: signatures with s={sel} fail"),
                    )
                    .name(&name)
                    .category(Category::DkimFail),
                );
            }
            return (None, out);
        }
    };
    let text = match txts.as_slice() {
        [one] => String::from_utf8_lossy(one).into_owned(),
        [] => return (None, out),
        many => {
            out.push(
                f(
                    Level::Error,
                    "dkim.multiple_records",
                    format!(
                        "{name} has {} TXT records; verifiers may pick any",
                        many.len()
                    ),
                )
                .name(&name)
                .category(Category::DkimFail),
            );
            return (None, out);
        }
    };
    let key = match parse_dkim_key(&text) {
        Ok(k) => k,
        Err(e) => {
            out.push(
                f(Level::Error, "dkim.invalid", format!("{name}: {e}"))
                    .name(&name)
                    .record(&text)
                    .category(Category::DkimFail),
            );
            return (None, out);
        }
    };
    if key.revoked {
        out.push(
            f(
                Level::Error,
                "dkim.revoked",
                format!("key {sel} is revoked (empty p=): signatures with it fail"),
            )
            .name(&name)
            .record(&text)
            .category(Category::DkimFail),
        );
    } else if let (KeyType::Rsa, Some(bits)) = (key.key_type, key.bits) {
        if bits < 1024 {
            out.push(f(Level::Error, "dkim.key_too_small", format!("RSA key {sel} is {bits} bits: verifiers reject keys under 1024 bits (RFC 8301)")).name(&name).category(Category::DkimFail));
        } else if bits < 2048 {
            out.push(
                f(
                    Level::Warning,
                    "dkim.key_weak",
                    format!("RSA key {sel} is {bits} bits; use 2048"),
                )
                .name(&name),
            );
        } else {
            out.push(f(Level::Ok, "dkim.key", format!("RSA key {sel}: {bits} bits")).name(&name));
        }
    } else {
        out.push(f(Level::Ok, "dkim.key", format!("Ed25519 key {sel}")).name(&name));
    }
    if key.testing {
        out.push(
            f(
                Level::Info,
                "dkim.testing",
                format!("key {sel} has t=y (testing): verifiers may treat failures as unsigned"),
            )
            .name(&name),
        );
    }
    if !key.hashes.is_empty() && !key.hashes.iter().any(|h| h == "sha256") {
        out.push(
            f(
                Level::Error,
                "dkim.sha1_only",
                format!(
                    "key {sel} allows only h={} (sha1 is no longer accepted, RFC 8301)",
                    key.hashes.join(":")
                ),
            )
            .name(&name)
            .category(Category::DkimFail),
        );
    }
    (Some((sel.to_owned(), key)), out)
}
