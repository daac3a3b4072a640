//! The real binary refuses to start on bad settings, naming each variable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

#[test]
fn bad_settings_stop_the_binary_with_a_message_naming_each_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("DATABASE_URL", "mysql://nope")
        .env("LECTERN_BIND", "not-an-address")
        .env("LECTERN_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for variable in ["DATABASE_URL", "LECTERN_BIND", "LECTERN_LOG_FORMAT"] {
        assert!(
            stderr.contains(&format!("{variable}: ")),
            "{variable} is not named in:\n{stderr}"
        );
    }
}

#[test]
fn the_developer_mailbox_behind_a_proxy_stops_the_binary() {
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("LECTERN_DEV_MAILBOX", "true")
        .env("LECTERN_TRUST_PROXY", "true")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("LECTERN_DEV_MAILBOX: cannot be on behind a reverse proxy"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_database_stops_the_start_with_a_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("LECTERN_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("could not connect to DATABASE_URL"),
        "{stderr}"
    );
}

/// The URL of a test database, for the binary.
fn database_url(pool: &sqlx::PgPool) -> String {
    let options = pool.connect_options();
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap()
    )
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_operator_issues_a_first_key_and_sets_a_tenants_limits(pool: sqlx::PgPool) {
    let store = service::Store::new(pool.clone(), service::Clock::system());
    let tenant = service::fixtures::tenant(&store, "acme").await.unwrap();
    let url = database_url(&pool);
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_server"))
            .env_clear()
            .env("DATABASE_URL", &url)
            .args(args)
            .output()
            .unwrap()
    };

    let output = run(&["issue-key", "--tenant", "acme", "--role", "teacher"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(
        printed.contains(&format!("tenant_id={tenant}")),
        "{printed}"
    );
    let secret = printed
        .lines()
        .find_map(|l| l.strip_prefix("secret="))
        .unwrap();
    let meta = service::auth::RequestMeta::default();
    let key = service::api_keys::authenticate(&store, secret, Some(tenant), &meta)
        .await
        .unwrap();
    assert_eq!(key.caller.role, domain::Role::Teacher);

    let output = run(&[
        "set-limits",
        "--tenant",
        "acme",
        "--per-minute",
        "30",
        "--per-hour",
        "900",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let key = service::api_keys::authenticate(&store, secret, Some(tenant), &meta)
        .await
        .unwrap();
    assert_eq!((key.requests_per_minute, key.requests_per_hour), (30, 900));

    for bad in [
        &[
            "set-limits",
            "--tenant",
            "acme",
            "--per-minute",
            "0",
            "--per-hour",
            "9",
        ][..],
        &["issue-key", "--tenant", "nowhere", "--role", "admin"],
        &["issue-key", "--tenant", "acme", "--role", "root"],
        &["issue-key", "--tenant", "acme", "--colour", "blue"],
    ] {
        let output = run(bad);
        assert!(!output.status.success(), "{bad:?} succeeded");
        assert!(!output.stderr.is_empty());
    }
}
