//! Real-looking reply texts for every taxonomy category, as receiving servers send them.
//!
//! `{r}` stands for the recipient address, `{ip}` for the sending IP, `{d}` for the
//! recipient domain.

use maildiag_types::Category;

/// One reply a receiving server might send.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// The category it belongs to.
    pub category: Category,
    /// The basic reply code.
    pub code: u16,
    /// The enhanced status code (`""` when the server sends none).
    pub enhanced: &'static str,
    /// The text after the codes.
    pub text: &'static str,
}

const fn s(category: Category, code: u16, enhanced: &'static str, text: &'static str) -> Sample {
    Sample {
        category,
        code,
        enhanced,
        text,
    }
}

use Category as C;

/// Transient (4xx) replies.
pub const TRANSIENT: &[Sample] = &[
    s(
        C::Greylisted,
        450,
        "4.2.0",
        "<{r}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{d}.html",
    ),
    s(
        C::Greylisted,
        451,
        "4.7.1",
        "Greylisting in action, please come back later",
    ),
    s(
        C::Greylisted,
        450,
        "4.7.1",
        "Try again later, closing connection. (RCPT TO) greylisted",
    ),
    s(
        C::RateLimited,
        421,
        "4.7.28",
        "[{ip}] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. https://support.google.com/mail/answer/188131 - gsmtp",
    ),
    s(
        C::RateLimited,
        450,
        "4.7.1",
        "Error: too much mail from {ip}",
    ),
    s(
        C::BadReputation,
        421,
        "4.7.0",
        "[TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
    ),
    s(
        C::TooManyConnections,
        421,
        "4.7.0",
        "Too many concurrent SMTP connections from this IP address; please try again later",
    ),
    s(
        C::TooManyConnections,
        421,
        "4.3.2",
        "Too many connections from your host, try again later",
    ),
    s(
        C::MailboxFull,
        452,
        "4.2.2",
        "The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp",
    ),
    s(C::MailboxFull, 452, "4.2.2", "<{r}>: Mailbox full"),
    s(
        C::RateLimited,
        450,
        "4.2.1",
        "The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. - gsmtp",
    ),
    s(
        C::MailboxUnavailable,
        450,
        "4.2.0",
        "<{r}>: mailbox temporarily unavailable",
    ),
    s(
        C::DomainNotFound,
        450,
        "4.1.8",
        "<bounce@example.org>: Sender address rejected: Domain not found",
    ),
    s(
        C::DnsFailure,
        451,
        "4.4.3",
        "Temporary DNS failure, try again later",
    ),
    s(
        C::SpfFail,
        451,
        "4.7.24",
        "The SPF record of the sending domain has one or more suspicious entries. To protect our users from spam, mail sent from your IP address {ip} has been temporarily rate limited. - gsmtp",
    ),
    s(
        C::DkimFail,
        451,
        "4.7.5",
        "DKIM signature verification failed temporarily, try again later",
    ),
    s(
        C::DmarcFail,
        451,
        "4.7.26",
        "Unauthenticated email from example.org is not accepted due to domain's DMARC policy, try again later",
    ),
    s(C::AuthRequired, 450, "4.7.0", "Authentication required"),
    s(
        C::PtrMissing,
        450,
        "4.7.1",
        "Client host rejected: cannot find your reverse hostname, [{ip}]",
    ),
    s(
        C::Policy,
        421,
        "4.7.0",
        "[{ip}] The IP you're using to send mail is not authorized to send email directly to our servers. Please use the SMTP relay at your service provider instead. - gsmtp",
    ),
    s(
        C::Blocklisted,
        451,
        "4.7.1",
        "Service unavailable; Client host [{ip}] blocked using b.barracudacentral.org; please try again later",
    ),
    s(
        C::BadReputation,
        421,
        "4.7.0",
        "[{ip}] Our system has detected that this message is suspicious due to the very low reputation of the sending IP address. - gsmtp",
    ),
    s(
        C::RateLimited,
        451,
        "4.7.500",
        "Server busy. Please try again later from [{ip}]. (S77719) [BL02EPF0001A0FD.namprd09.prod.outlook.com]",
    ),
    s(
        C::SpamContent,
        451,
        "4.7.1",
        "Message temporarily deferred due to suspected spam content",
    ),
    s(
        C::SystemError,
        451,
        "4.7.1",
        "Virus scanner temporarily unavailable, try again later",
    ),
    s(
        C::MailboxDisabled,
        450,
        "4.7.1",
        "<{r}>: Recipient address rejected: Policy rejection on the target address",
    ),
    s(C::RelayDenied, 454, "4.7.1", "<{r}>: Relay access denied"),
    s(
        C::TlsRequired,
        451,
        "4.7.0",
        "TLS required for this recipient, please use STARTTLS",
    ),
    s(
        C::ServerBusy,
        421,
        "4.3.2",
        "Service not available, closing transmission channel",
    ),
    s(C::SystemError, 452, "4.3.1", "Insufficient system storage"),
    s(
        C::SystemError,
        451,
        "4.3.0",
        "Error: queue file write error",
    ),
    s(C::SystemError, 451, "4.3.5", "Server configuration problem"),
    s(
        C::RoutingLoop,
        451,
        "4.4.6",
        "Too many hops, mail loop detected",
    ),
    s(
        C::MessageTooBig,
        452,
        "4.3.4",
        "Message size exceeds fixed maximum message size, try again with a smaller message",
    ),
    s(
        C::Timeout,
        451,
        "4.4.2",
        "Timeout waiting for data from client",
    ),
    s(
        C::NetworkError,
        421,
        "4.4.0",
        "Connection dropped by remote host",
    ),
    s(
        C::SyntaxError,
        451,
        "4.5.1",
        "Syntax error in parameters, try again",
    ),
    s(
        C::SystemError,
        451,
        "4.0.0",
        "Temporary local problem - please try later",
    ),
    s(
        C::UserUnknown,
        450,
        "4.1.1",
        "<{r}>: Recipient address rejected: unverified address: host mx.{d}[{ip}] said: 550 5.1.1 User unknown",
    ),
    s(
        C::MailboxDisabled,
        450,
        "4.2.1",
        "<{r}>: account temporarily disabled",
    ),
    s(
        C::DomainNotFound,
        450,
        "4.1.2",
        "<{r}>: Recipient address rejected: Domain not found",
    ),
    s(C::Expired, 451, "4.4.7", "Delivery time expired"),
];

/// Permanent (5xx) replies.
pub const PERMANENT: &[Sample] = &[
    s(
        C::UserUnknown,
        550,
        "5.1.1",
        "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser - gsmtp",
    ),
    s(
        C::UserUnknown,
        550,
        "5.1.1",
        "<{r}>: Recipient address rejected: User unknown in virtual mailbox table",
    ),
    s(
        C::UserUnknown,
        550,
        "5.5.0",
        "Requested action not taken: mailbox unavailable",
    ),
    s(
        C::UserUnknown,
        550,
        "5.1.10",
        "RESOLVER.ADR.RecipientNotFound; Recipient {r} not found by SMTP address lookup",
    ),
    s(
        C::MailboxFull,
        552,
        "5.2.2",
        "<{r}>: Mailbox full, quota exceeded",
    ),
    s(C::MailboxUnavailable, 550, "5.2.0", "Mailbox unavailable"),
    s(
        C::MailboxDisabled,
        550,
        "5.2.1",
        "The email account that you tried to reach is disabled. - gsmtp",
    ),
    s(
        C::MailboxDisabled,
        554,
        "5.2.1",
        "<{r}>: This mailbox has been suspended",
    ),
    s(
        C::DomainNotFound,
        550,
        "5.1.2",
        "<{r}>: Recipient address rejected: Domain not found",
    ),
    s(
        C::DomainNotFound,
        556,
        "5.1.10",
        "Recipient domain {d} has null MX",
    ),
    s(
        C::DomainNotFound,
        550,
        "5.1.8",
        "<bounce@example.org>: Sender address rejected: Domain not found",
    ),
    s(
        C::SpfFail,
        550,
        "5.7.23",
        "The message was rejected because of Sender Policy Framework violation; {ip} is not allowed to send mail from example.org",
    ),
    s(
        C::SpfFail,
        550,
        "5.7.1",
        "SPF check failed: Please see http://www.open-spf.org/Why?id=bounce%40example.org&ip={ip}&receiver=mx.{d}",
    ),
    s(
        C::DkimFail,
        550,
        "5.7.20",
        "No passing DKIM signature found for example.org",
    ),
    s(
        C::DmarcFail,
        550,
        "5.7.26",
        "Unauthenticated email from example.org is not accepted due to domain's DMARC policy. Please contact the administrator of example.org domain if this was a legitimate mail. - gsmtp",
    ),
    s(
        C::DmarcFail,
        550,
        "5.7.1",
        "Email rejected per DMARC policy for example.org",
    ),
    s(
        C::TlsRequired,
        530,
        "5.7.0",
        "Must issue a STARTTLS command first and authenticate",
    ),
    s(
        C::AuthRequired,
        550,
        "5.7.57",
        "Client not authenticated to send mail. [AM0PR01MB1234.eurprd01.prod.exchangelabs.com]",
    ),
    s(
        C::PtrMissing,
        550,
        "5.7.25",
        "[{ip}] The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP. - gsmtp",
    ),
    s(
        C::PtrMissing,
        554,
        "5.7.1",
        "Client host rejected: cannot find your hostname, [{ip}]",
    ),
    s(
        C::Blocklisted,
        554,
        "5.7.1",
        "Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}",
    ),
    s(
        C::Blocklisted,
        550,
        "5.7.1",
        "Service unavailable, Client host [{ip}] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/{ip} (AS3130). [BN8NAM11FT066.eop-nam11.prod.protection.outlook.com]",
    ),
    s(
        C::BadReputation,
        554,
        "5.7.1",
        "Your access to this mail system has been rejected due to the sending MTA's poor reputation. If you believe that this failure is in error, please contact the intended recipient via alternate means.",
    ),
    s(
        C::SpamContent,
        550,
        "5.7.1",
        "Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked. - gsmtp",
    ),
    s(
        C::DmarcFail,
        554,
        "5.7.9",
        "Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
    ),
    s(
        C::SpamContent,
        550,
        "5.7.350",
        "Remote server returned message detected as spam -> 554 5.7.1 Message rejected as spam by Content Filtering",
    ),
    s(
        C::Policy,
        554,
        "5.7.1",
        "Message rejected due to content restrictions",
    ),
    s(
        C::Virus,
        554,
        "5.7.1",
        "Message rejected: virus found (Eicar-Test-Signature)",
    ),
    s(
        C::Virus,
        552,
        "5.7.0",
        "This message was blocked because its content presents a potential security issue. Please visit https://support.google.com/mail/?p=BlockedMessage to review our message content and attachment content guidelines. - gsmtp",
    ),
    s(
        C::Policy,
        550,
        "5.7.1",
        "Message rejected due to local policy",
    ),
    s(
        C::Policy,
        553,
        "5.7.1",
        "<{r}>: Recipient address rejected: Access denied",
    ),
    s(C::RelayDenied, 554, "5.7.1", "<{r}>: Relay access denied"),
    s(
        C::RelayDenied,
        550,
        "5.7.64",
        "TenantAttribution; Relay Access Denied [SN1NAM02FT0051.eop-nam02.prod.protection.outlook.com]",
    ),
    s(
        C::TlsRequired,
        530,
        "5.7.0",
        "Must issue a STARTTLS command first",
    ),
    s(
        C::TlsRequired,
        550,
        "5.7.10",
        "Encryption required for requested authentication mechanism",
    ),
    s(
        C::ServerBusy,
        554,
        "5.3.2",
        "System not accepting network messages",
    ),
    s(C::SystemError, 554, "5.3.0", "Internal server error"),
    s(
        C::RoutingLoop,
        554,
        "5.4.6",
        "Too many hops 31 (30 max): from <bounce@example.org> via localhost, to <{r}>",
    ),
    s(
        C::RoutingLoop,
        554,
        "5.4.14",
        "Hop count exceeded - possible mail loop ATTR34 [DM6NAM12FT012.eop-nam12.prod.protection.outlook.com]",
    ),
    s(
        C::MessageTooBig,
        552,
        "5.3.4",
        "Message size exceeds fixed maximum message size",
    ),
    s(
        C::MessageTooBig,
        552,
        "5.2.3",
        "Your message exceeded Google's message size limits. Please visit https://support.google.com/mail/?p=MaxSizeError to view our size guidelines. - gsmtp",
    ),
    s(C::SyntaxError, 501, "5.1.3", "Bad recipient address syntax"),
    s(
        C::SyntaxError,
        553,
        "5.1.3",
        "The recipient address <{r}> is not a valid RFC-5321 address. - gsmtp",
    ),
    s(
        C::RateLimited,
        550,
        "5.4.5",
        "Daily user sending quota exceeded. - gsmtp",
    ),
    s(C::TooManyConnections, 554, "5.7.0", "Too many connections"),
    s(
        C::Greylisted,
        550,
        "5.7.1",
        "Greylisted for too long, giving up",
    ),
    s(
        C::Timeout,
        554,
        "5.4.7",
        "Delivery timeout while talking to the next hop",
    ),
    s(C::DnsFailure, 554, "5.4.4", "Unable to route: no next hop"),
    s(
        C::Expired,
        554,
        "5.4.7",
        "Message expired: delivery attempts exceeded",
    ),
    s(C::SystemError, 554, "5.0.0", "Transaction failed"),
    s(
        C::Other,
        550,
        "5.0.350",
        "Remote server returned an error -> 550 Unspecified error",
    ),
];

/// Incoming rejections a Postfix smtpd (or Exim, Sendmail) writes: category, code,
/// enhanced code, text.
pub const INCOMING: &[Sample] = &[
    s(
        C::PtrMissing,
        450,
        "4.7.1",
        "Client host rejected: cannot find your hostname, [{ip}]",
    ),
    s(
        C::Blocklisted,
        554,
        "5.7.1",
        "Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}",
    ),
    s(C::RelayDenied, 454, "4.7.1", "<{r}>: Relay access denied"),
    s(
        C::UserUnknown,
        550,
        "5.1.1",
        "<{r}>: Recipient address rejected: User unknown in virtual mailbox table",
    ),
    s(
        C::Greylisted,
        450,
        "4.2.0",
        "<{r}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{d}.html",
    ),
    s(
        C::SpfFail,
        550,
        "5.7.23",
        "<{r}>: Recipient address rejected: Message rejected due to: SPF fail - not authorized. Please see http://www.open-spf.org/Why?s=mfrom;id=x;ip={ip};r=<UNKNOWN>",
    ),
    s(
        C::SyntaxError,
        504,
        "5.5.2",
        "<localhost>: Helo command rejected: need fully-qualified hostname",
    ),
    s(
        C::DomainNotFound,
        450,
        "4.1.8",
        "<nobody@unresolvable.invalid>: Sender address rejected: Domain not found",
    ),
    s(
        C::Policy,
        550,
        "5.7.1",
        "<{r}>: Recipient address rejected: Access denied",
    ),
    s(
        C::RateLimited,
        450,
        "4.7.1",
        "<{r}>: Recipient address rejected: Rate limit exceeded",
    ),
];
