//! `outpost`: the headless command line over the Outpost libraries, for hub
//! operators, scripts and tests. Every command works on a data directory
//! (`--data`, default `$OUTPOST_DATA` or `~/.local/share/outpost`).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    let lang = args.ui_lang();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprint!("{}", cli::failure::render(&err, lang));
            ExitCode::from(cli::failure::exit_code(&err))
        }
    }
}
