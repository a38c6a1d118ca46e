//! `outpost`: the headless command line over the Outpost libraries, for hub
//! operators, scripts and tests. Every command works on a data directory
//! (`--data`, default `$OUTPOST_DATA` or `~/.local/share/outpost`).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // `outpost report list | head` should stop quietly when head is done, as
    // Unix tools do, rather than panic on the closed pipe.
    #[cfg(unix)]
    // SAFETY: called once at start, before any thread exists; restores the
    // default disposition of one signal.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
