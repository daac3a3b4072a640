//! The Lectern server binary: read the configuration, then hand over to `startup`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("issue-key") {
        let Ok(database_url) = std::env::var("DATABASE_URL") else {
            eprintln!("issue-key needs DATABASE_URL");
            return ExitCode::from(2);
        };
        return match server::operator::issue_key(&database_url, &args[1..]).await {
            Ok((tenant, secret)) => {
                println!("tenant_id={tenant}\nsecret={secret}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("issue-key: {error:#}");
                ExitCode::FAILURE
            }
        };
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
