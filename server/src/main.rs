//! The Lectern server binary: read the configuration, then hand over to `startup`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
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
