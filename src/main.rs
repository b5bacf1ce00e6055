//! raftlog command-line entry point: parse, validate, run, map to an exit code.

use clap::Parser;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    raftlog::interrupt::install();
    let cli = match raftlog::cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            if !e.use_stderr() {
                // --help and --version on stdout, as clap writes them
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // a usage error quotes the arguments: sanitised like every stderr line
            let _ = write!(raftlog::messages::stderr(), "{}", e.render());
            return ExitCode::from(raftlog::EXIT_ERROR as u8);
        }
    };
    let stdout = io::stdout();
    match &cli.command {
        raftlog::cli::Command::Metrics(args) => {
            let mut out = io::BufWriter::new(stdout.lock());
            let code = raftlog::run_metrics(args, &mut out, &mut io::stderr());
            return ExitCode::from(code as u8);
        }
        raftlog::cli::Command::Rules(args) => {
            let mut out = io::BufWriter::new(stdout.lock());
            let code = raftlog::run_rules(args, &mut out, &mut io::stderr());
            return ExitCode::from(code as u8);
        }
        raftlog::cli::Command::Completions(args) => {
            return done(raftlog::cli::write_completions(
                args.shell,
                &mut stdout.lock(),
            ));
        }
        raftlog::cli::Command::Man => return done(raftlog::cli::write_man(&mut stdout.lock())),
        _ => {}
    }
    let mut cfg = match raftlog::config::Config::from_cli(cli.command) {
        Ok(c) => c,
        Err(msg) => {
            raftlog::messages::error(&mut raftlog::messages::stderr(), msg);
            return ExitCode::from(raftlog::EXIT_ERROR as u8);
        }
    };
    cfg.progress = !cfg.quiet && io::stderr().is_terminal();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut err = io::stderr();
    let code = raftlog::run(&cfg, io::stdin().is_terminal(), &mut out, &mut err);
    let _ = err.flush();
    ExitCode::from(code as u8)
}

/// Exit status of a command that only writes to stdout: a closed pipe is a quiet end.
fn done(r: io::Result<()>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            raftlog::messages::error(&mut raftlog::messages::stderr(), e);
            ExitCode::from(raftlog::EXIT_ERROR as u8)
        }
    }
}
