//! One module per subcommand; each has `Args` (clap) and `run(Args) -> ExitCode`.

pub mod bounce;
pub mod check;
pub mod codes;
pub mod explain;
pub mod explain_dns;
pub mod scan;
pub mod util;
