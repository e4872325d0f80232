//! DNS authentication checks for mail senders, in the vocabulary of the maildiag bounce
//! classifier: SPF (full RFC 7208 `check_host()` plus a linter), DMARC (RFC 7489 and
//! RFC 9989 discovery), DKIM key records, reverse DNS (FCrDNS), MX, DNS block/allow
//! lists (RFC 5782), MTA-STS, TLS-RPT and BIMI.
//!
//! Every conclusion is a [`Finding`] with a stable code (`spf.too_many_lookups`), a
//! [`Level`], and the [`maildiag_types::Category`] a receiver's refusal caused by it
//! would fall in (`spf_fail`, `ptr_missing`, `blocklisted`...).
//!
//! # Pure functions
//!
//! Record parsers need no network:
//!
//! ```
//! use maildiag_dnsauth::spf::{SpfRecord, Mechanism};
//!
//! let rec = SpfRecord::parse("v=spf1 mx include:_spf.example.net ~all")?;
//! let lookups = rec.directives.iter().filter(|d| d.mechanism.does_lookup()).count();
//! assert_eq!(lookups, 2);
//! # Ok::<(), maildiag_dnsauth::spf::SpfSyntaxError>(())
//! ```
//!
//! # Checking against DNS
//!
//! [`Checker`] runs every check with one resolver ([`dns::HickoryLookup`]: given name
//! servers only, one cache and one deadline per run). Here against the crate's loopback
//! [`testserver`]:
//!
//! ```
//! use maildiag_dnsauth::{CheckConfig, CheckRequest, Checker, dns::DnsConfig};
//! use maildiag_dnsauth::testserver::{TestServer, Zone};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut zone = Zone::new();
//! zone.txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all")
//!     .txt("_dmarc.example.com", "v=DMARC1; p=reject")
//!     .mx("example.com", 10, "mail.example.com")
//!     .a("mail.example.com", "192.0.2.25".parse()?);
//! let server = TestServer::start(zone).await?;
//!
//! let checker = Checker::new(CheckConfig::new(DnsConfig::with_nameservers(vec![server.addr()])).lists(vec![]))?;
//! let report = checker.check_domain(&CheckRequest::new("example.com").ip("192.0.2.25".parse()?)).await?;
//! assert_eq!(report.spf.as_ref().map(|o| o.result.as_str()), Some("pass"));
//! assert!(report.findings.iter().any(|f| f.code == "dmarc.policy"));
//! # Ok(()) }
//! ```
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`spf`] | record parser, `check_host()`, linter with lookup tree |
//! | [`dmarc`] | discovery, tags, report authorisation, alignment |
//! | [`dkim`] | key records, key size from the public key |
//! | [`ptr`], [`mx`] | reverse DNS, MX targets |
//! | [`dnsbl`] | block/allow lists and return codes |
//! | [`mtasts`] | MTA-STS, TLS-RPT, BIMI |
//! | [`dns`] | the lookup trait and the hickory-based resolver |
//! | [`testserver`] | an authoritative loopback DNS server for tests |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod checker;
mod concurrent;
pub mod dkim;
pub mod dmarc;
pub mod dns;
pub mod dnsbl;
mod error;
pub mod finding;
pub mod mtasts;
pub mod mx;
pub mod ptr;
pub mod spf;
pub mod testserver;

pub use checker::{CheckConfig, CheckRequest, Checker, Report, spf_finding};
pub use error::Error;
pub use finding::{CheckKind, Finding, Level};
