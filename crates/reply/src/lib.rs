//! Parsers for what SMTP servers say: reply codes, enhanced status codes, complete
//! replies, replies embedded in log lines and bounces, and RFC 3464 delivery-status
//! fields.
//!
//! Everything works on bytes (`&[u8]`): mail logs are not always UTF-8 and end lines in
//! CRLF or LF. Parsers borrow from their input where they can (`Cow`), never panic, bound
//! their work on hostile input and return typed [`Error`]s.
//!
//! | entry point | reads |
//! |---|---|
//! | [`parse_reply`], [`ReplyParser`] | one complete reply, single- or multi-line (RFC 5321 §4.2, RFC 2034) |
//! | [`ReplyReader`] | replies arriving in chunks of any size |
//! | [`extract`], [`extract_best`] | replies inside other text: Postfix, Exim, Sendmail, Exchange, Gmail, qmail, library errors |
//! | [`parse_delivery_status`] | RFC 3464 `message/delivery-status` bodies |
//! | [`parse_enhanced_strict`], [`parse_enhanced_lenient`] | a bare `class.subject.detail` code |
//!
//! ```
//! use maildiag_reply::{extract_best, parse_reply, SmtpCommand};
//!
//! // A complete reply, as read from an SMTP connection.
//! let (reply, rest) = parse_reply(b"450-4.7.1 Greylisted, see\r\n450 4.7.1 http://postgrey\r\n")?;
//! assert_eq!(reply.code.get(), 450);
//! assert_eq!(reply.text_lossy(), "Greylisted, see http://postgrey");
//! assert!(rest.is_empty());
//!
//! // The same kind of reply inside a Postfix log line.
//! let line = b"... said: 550 5.1.1 <u@example.com>: Recipient address rejected: \
//!              User unknown (in reply to RCPT TO command))";
//! let found = extract_best(line).expect("a reply");
//! assert_eq!(found.enhanced.unwrap().to_string(), "5.1.1");
//! assert_eq!(found.command, Some(SmtpCommand::RcptTo));
//! # Ok::<(), maildiag_reply::Error>(())
//! ```
//!
//! | feature | effect |
//! |---|---|
//! | `serde` | `Serialize` for the parsed values (byte strings as lossy UTF-8 strings) |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod code;
mod dsn;
mod error;
mod extract;
pub mod fuzz;
mod reply;
#[cfg(feature = "serde")]
mod ser;

pub use code::{parse_enhanced_lenient, parse_enhanced_strict};
pub use dsn::{
    Action, DeliveryStatus, DiagnosticCode, Field, MAX_DSN_LEN, MessageFields, RecipientFields,
    TypedValue, parse_delivery_status,
};
pub use error::{Error, ErrorKind};
pub use extract::{
    Extracted, MAX_REPLIES, MAX_TEXT, RemoteHost, SmtpCommand, best_of, extract, extract_best,
};
pub use maildiag_types::{Class, EnhancedCode, ReplyCode, Severity};
pub use reply::{Reply, ReplyParser, ReplyReader, parse_reply};

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
