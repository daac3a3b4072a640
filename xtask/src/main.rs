//! Developer commands: `cargo xtask run` and `cargo xtask test` (see the README).
//!
//! Plain std only, so that this builds in seconds on a fresh machine before anything else is installed.

mod pg;
mod proc;
mod toolchain;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run [--release]   install what is missing, build, start PostgreSQL if DATABASE_URL is unset,
                    migrate, seed the demo tenant, and serve Lectern
  test              install what is missing, then fmt, clippy, the Rust tests and the browser tests
  build [--release] install what is missing and build the site (server binary, wasm, CSS)
  setup             only install what is missing (toolchain, npm packages, Chromium)
  db stop           stop the private PostgreSQL cluster started by `run`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["run"] => commands::run(false),
        ["run", "--release"] => commands::run(true),
        ["test"] => commands::test(),
        ["build"] => commands::build(false),
        ["build", "--release"] => commands::build(true),
        ["setup"] => toolchain::ensure(true).map(|_| ()),
        ["db", "stop"] => pg::stop(&root()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives one level below it.
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

pub type Result<T = ()> = std::result::Result<T, String>;

mod commands;
