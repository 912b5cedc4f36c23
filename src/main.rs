//! histcheck: checks Jepsen/Elle histories.
//!
//! Exit codes, for every command: 0 pass, 1 violation found, 2 bad input or
//! usage, 3 inconclusive (`stats`, `convert` and `gen` use 0 and 2).

// The doc comments of `cli` are clap's help texts, printed as written:
// `DIR/<i>-<file name>/` there is a path pattern, not an HTML tag.
#![allow(rustdoc::invalid_html_tags)]

mod cleanup;
mod cli;
mod convert_cmd;
mod elle_cmd;
mod elle_render;
mod error;
mod files;
mod gen_cmd;
mod input;
mod ltl_cmd;
mod oom;
mod output;
mod runs_cmd;
mod stats_cmd;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: oom::ExitOnOom = oom::ExitOnOom;

fn main() -> ExitCode {
    let cli = Cli::parse();
    cleanup::install();
    // Each command returns `Result<Exit, error::Error>`; `finish` prints an
    // error once and maps it to exit 2.
    let result = match &cli.command {
        Command::Stats(args) => stats_cmd::run(args),
        Command::Convert(args) => convert_cmd::run(args),
        Command::Elle(args) => elle_cmd::run(args),
        Command::Gen(args) => gen_cmd::run(args),
        Command::Runs(args) => runs_cmd::run(args),
        Command::Ltl(args) => ltl_cmd::run(args),
    };
    error::finish(result).into()
}
