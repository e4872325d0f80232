//! Streaming MTA log readers (Postfix, Exim, Sendmail, Exchange, PowerMTA, KumoMTA) for maildiag
#![forbid(unsafe_code)]
