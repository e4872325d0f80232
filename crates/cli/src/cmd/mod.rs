//! One module per subcommand; each has `Args` (clap) and `run(Args) -> ExitCode`.

pub mod explain;
pub mod util;
