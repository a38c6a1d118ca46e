//! `outpost`: the headless command line over the Outpost libraries, for hub
//! operators, scripts and tests. Every command works on a data directory
//! (`--data`, default `$OUTPOST_DATA` or `~/.local/share/outpost`).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Files this program creates (stores, exports, printed reports) are
    // readable by their owner only.
    // SAFETY: called once at start, before any thread exists.
    #[cfg(unix)]
    unsafe {
        libc::umask(0o077);
    }
    let args = cli::Args::parse();
    // `outpost report list | head` should stop quietly when head is done, as
    // Unix tools do, rather than panic on the closed pipe. Not for commands
    // that talk to a hub: there a hub that goes away mid-transfer would kill
    // the process silently; its sockets report the broken pipe as an error
    // the sync handles (retry, then a message and a failing exit code).
    #[cfg(unix)]
    if !args.talks_to_hub() {
        // SAFETY: called once at start, before any thread exists; restores
        // the default disposition of one signal.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let lang = args.ui_lang();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprint!("{}", cli::failure::render(&err, lang));
            ExitCode::from(cli::failure::exit_code(&err))
        }
    }
}
