//! The command line: clap definitions of the commands and their flags.

use clap::{Args, Parser, Subcommand, ValueEnum};
use parsers::Format;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "histcheck",
    version,
    about = "Reads, summarises and converts Jepsen/Elle histories (EDN, JSON, JSON Lines, Plume text). The checkers (elle, ltl, runs) and the workload generator (gen) are being built.",
    after_help = "Exit codes: 0 pass, 1 violation found, 2 bad input or usage, 3 inconclusive."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarises histories: ops by type, transactions, processes, keys, micro-ops, time span.
    Stats(StatsArgs),
    /// Rewrites a history in another format.
    Convert(ConvertArgs),
}

/// A history format, as named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Jepsen `history.edn`
    Edn,
    /// elle-cli JSON: one array of op objects
    Json,
    /// JSON Lines: one op object per line
    Jsonl,
    /// Plume / PolySI text: r(k,v,session,txn) and w(k,v,session,txn)
    Plume,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Edn => Format::Edn,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Plume => Format::Plume,
        }
    }
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// History files to summarise.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Input format; by default from the extension, else from the content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,

    /// Print one JSON document on stdout instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The history to convert.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub to: FormatArg,

    /// Write here (through a temporary file and a rename) instead of stdout.
    /// Refused when it is the input file.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Input format; by default from the extension, else from the content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,
}
