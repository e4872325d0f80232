//! Mail delivery failure classifier: what went wrong, who must act, when to retry
#![forbid(unsafe_code)]
