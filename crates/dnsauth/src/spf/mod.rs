//! SPF (RFC 7208): record parsing, `check_host()` evaluation and a linter for published
//! records.

mod eval;
mod lint;
mod record;

pub use eval::{SpfLimits, SpfOutcome, SpfRequest, SpfResult, check_host};
pub use lint::{LintNode, LintTerm, SpfLint, lint_record_text, lint_spf};
pub use record::{
    Directive, MacroPart, MacroString, Mechanism, Qualifier, SpfRecord, SpfSyntaxError,
    is_spf_record, valid_toplabel,
};
