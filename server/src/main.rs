//! The Lectern server binary: read the configuration, then hand over to `startup`.

use std::process::ExitCode;

// Fewer and cheaper allocations on the hot paths than glibc's malloc, which the quiz rush
// benchmark found at four tenths of the server's CPU per autosave.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(command) = args.first().filter(|a| !a.starts_with('-')) {
        return operator_command(command, &args[1..]).await;
    }
    let config = match server::config::Config::from_env() {
        Ok(config) => config,
        Err(problems) => {
            eprintln!("Lectern cannot start; fix these settings:");
            for problem in problems {
                eprintln!("  - {problem}");
            }
            return ExitCode::from(2);
        }
    };
    server::telemetry::init(&config);
    match server::startup::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("Lectern stopped: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The platform operator's commands (see `server::operator`).
async fn operator_command(command: &str, args: &[String]) -> ExitCode {
    let Ok(database_url) = std::env::var("DATABASE_URL") else {
        eprintln!("{command} needs DATABASE_URL");
        return ExitCode::from(2);
    };
    let result = match command {
        "issue-key" => server::operator::issue_key(&database_url, args)
            .await
            .map(|(tenant, secret)| println!("tenant_id={tenant}\nsecret={secret}")),
        "set-limits" => server::operator::set_limits(&database_url, args).await,
        // Benchmarks only: signed-in learners without passwords (see server::bench_sessions).
        "bench-sessions" => server::bench_sessions::bench_sessions(args)
            .await
            .map(|cookies| cookies.iter().for_each(|cookie| println!("{cookie}"))),
        other => {
            eprintln!("unknown command {other:?}; the commands are issue-key, set-limits and bench-sessions");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{command}: {error:#}");
            ExitCode::FAILURE
        }
    }
}
