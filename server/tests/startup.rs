//! The real binary refuses to start on bad settings, naming each variable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

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

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_operator_issues_a_first_key_and_sets_a_tenants_limits(pool: sqlx::PgPool) {
    let store = service::Store::new(pool.clone(), service::Clock::system());
    let tenant = service::fixtures::tenant(&store, "acme").await.unwrap();
    let url = support::database_url(&pool);
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

/// The server binary on a free port, killed when dropped.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn bench_sessions_prints_signed_in_cookies_the_server_accepts(pool: sqlx::PgPool) {
    let store = service::Store::new(pool.clone(), service::Clock::system());
    let tenant = service::fixtures::tenant(&store, "acme").await.unwrap();
    let admin = service::fixtures::platform_caller(tenant, domain::Role::Admin);
    let form = service::courses::NewCourseForm {
        title: "Statistics".into(),
        ..Default::default()
    };
    let course = service::courses::create(
        &admin,
        &store,
        service::courses::NewCourse::parse(form).unwrap(),
    )
    .await
    .unwrap();
    let url = support::database_url(&pool);
    let key = "k".repeat(64);
    let bench_sessions = |key: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command.env_clear().env("DATABASE_URL", &url).args([
            "bench-sessions",
            "--tenant",
            "acme",
            "--course",
            &course.id.to_string(),
            "--count",
            "3",
        ]);
        if let Some(key) = key {
            command.env("LECTERN_SECRET_KEY", key);
        }
        command.output().unwrap()
    };

    // Cookies signed with a key of its own would be refused: it insists on the server's.
    let output = bench_sessions(None);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("LECTERN_SECRET_KEY"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let output = bench_sessions(Some(&key));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cookies: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(cookies.len(), 3);
    assert!(cookies.iter().all(|c| c.starts_with("lectern_session=")));
    // A second run reuses the learners and their enrolments, with new sessions.
    let again = bench_sessions(Some(&key));
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let enrolled: i64 = sqlx::query_scalar("select count(*) from enrollment")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(enrolled, 3);

    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let _server = Running(
        Command::new(env!("CARGO_BIN_EXE_server"))
            .env_clear()
            .env("DATABASE_URL", &url)
            .env("LECTERN_BIND", addr.to_string())
            .env("LECTERN_SECRET_KEY", &key)
            .env("LECTERN_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let me = |cookie: String| {
        client
            .post(format!("http://{addr}/api/auth/me"))
            .header("cookie", cookie)
            .send()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let answer = loop {
        if let Ok(response) = me(cookies[1].clone()).await {
            break response;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    let user: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(user["email"], "bench-learner-1@bench.invalid", "{user}");
    assert_eq!(user["role"], "student");

    // A cookie whose signature does not match names nobody.
    let forged = format!("{}x", cookies[0]);
    let user: serde_json::Value = me(forged).await.unwrap().json().await.unwrap();
    assert_eq!(user, serde_json::Value::Null);
}
