//! The `run` and `test` commands.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::proc::{self, with_timeout};
use crate::toolchain::{self, Toolchain};
use crate::{pg, root, Result};

pub fn run(release: bool) -> Result {
    let toolchain = toolchain::ensure(false)?;
    build_site(&toolchain, release)?;
    let database_url = match std::env::var("DATABASE_URL") {
        Ok(url) => url,
        Err(_) => pg::start(&root())?,
    };
    let mut server = Command::new(server_binary(release));
    server
        .current_dir(root())
        .env("DATABASE_URL", &database_url)
        .env("LECTERN_SEED_DEMO", "true");
    // The private demo has no SMTP server: its mails (reset links) are read in the mailbox. Any
    // sign of a deployment (mail, a proxy, a public address, an explicit choice) leaves it off.
    let deployment = [
        "SMTP_URL",
        "LECTERN_TRUST_PROXY",
        "LECTERN_PUBLIC_URL",
        "LECTERN_DEV_MAILBOX",
    ];
    if deployment.iter().all(|v| std::env::var_os(v).is_none()) {
        server.env("LECTERN_DEV_MAILBOX", "true");
    }
    if std::env::var_os("LECTERN_SECRET_KEY").is_none() {
        server.env("LECTERN_SECRET_KEY", local_secret_key()?);
    }
    proc::run(&mut server)
}

/// A cookie-signing key kept under `.lectern/`, so sessions survive a restart of `cargo xtask run`.
fn local_secret_key() -> Result<String> {
    let path = root().join(".lectern/secret_key");
    if let Ok(key) = std::fs::read_to_string(&path) {
        if key.trim().len() >= 64 {
            return Ok(key.trim().to_string());
        }
    }
    let mut bytes = [0u8; 48];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("/dev/urandom: {e}"))?;
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(root().join(".lectern")).map_err(|e| e.to_string())?;
    std::fs::write(&path, &key).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(key)
}

pub fn build(release: bool) -> Result {
    build_site(&toolchain::ensure(false)?, release)
}

pub fn test() -> Result {
    let toolchain = toolchain::ensure(true)?;
    let database_url = test_database_url()?;
    proc::run(toolchain.cargo().args(["fmt", "--all", "--check"]))?;
    // The browser crate is checked for its own target: built for the host beside the server, cargo
    // would unify app's `ssr` and `hydrate` features into one build that nobody ships.
    let host_crates = ["--workspace", "--exclude", "frontend"];
    proc::run(
        offline(toolchain.cargo())
            .arg("clippy")
            .args(host_crates)
            .args(["--all-targets", "--", "-D", "warnings"]),
    )?;
    proc::run(offline(toolchain.cargo()).args([
        "clippy",
        "-p",
        "frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;
    check_query_data(&toolchain, &database_url)?;
    // The tests build the server binary the browser tests run (target/debug/server), so the site
    // build below only adds the browser's part: the optimised wasm, as it ships (it has failed in
    // release only before), its CSS and assets.
    proc::run(
        offline(toolchain.cargo())
            .env("DATABASE_URL", &database_url)
            .arg("test")
            .args(host_crates),
    )?;
    // Release as it ships (size-optimised, panics abort, no debug assertions: where release-only
    // failures came from) but without whole-program LTO, which changes the bundle's size, not its
    // behaviour, and took most of this step's ten minutes.
    proc::run(
        offline(toolchain.cargo())
            .env("CARGO_PROFILE_WASM_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_WASM_RELEASE_CODEGEN_UNITS", "16")
            .args(["leptos", "build", "--release", "--frontend-only"]),
    )?;
    end_to_end(&toolchain, &database_url)
}

/// A stale `.sqlx/` would let the offline build check queries against an old schema: the queries
/// are described again against a freshly migrated database and compared with what is committed.
fn check_query_data(toolchain: &Toolchain, admin_url: &str) -> Result {
    let url = pg::recreate_database(admin_url, "lectern_sqlx")?;
    let mut migrate = Command::new("sqlx");
    toolchain.apply(&mut migrate);
    proc::run(migrate.args(["migrate", "run", "--database-url", &url]))?;
    proc::run(toolchain.cargo().env("DATABASE_URL", &url).args([
        "sqlx",
        "prepare",
        "--workspace",
        "--check",
        "--",
        "--all-targets",
    ]))
}

/// The `.sqlx/` query data is committed, so builds never need a live database.
fn offline(mut cmd: Command) -> Command {
    cmd.env("SQLX_OFFLINE", "true");
    cmd
}

fn build_site(toolchain: &Toolchain, release: bool) -> Result {
    let mut cmd = offline(toolchain.cargo());
    cmd.args(["leptos", "build"]);
    if release {
        cmd.arg("--release");
    }
    proc::run(&mut cmd)
}

fn server_binary(release: bool) -> PathBuf {
    root()
        .join("target")
        .join(if release { "release" } else { "debug" })
        .join("server")
}

/// DATABASE_URL when set; else the machine's PostgreSQL on 5432; else the private cluster.
fn test_database_url() -> Result<String> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return Ok(url);
    }
    let local = "127.0.0.1:5432".parse().map_err(|_| "bad address")?;
    if TcpStream::connect_timeout(&local, Duration::from_secs(1)).is_ok() {
        return Ok("postgres://postgres@127.0.0.1:5432/postgres".into());
    }
    pg::start(&root())
}

/// Serves a freshly seeded database and drives it with Playwright in Chromium.
fn end_to_end(toolchain: &Toolchain, admin_url: &str) -> Result {
    let database_url = pg::recreate_database(admin_url, "lectern_e2e")?;
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let base_url = format!("http://127.0.0.1:{port}");
    let log_path = root().join("target/e2e-server.log");
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let child = Command::new(server_binary(false))
        .current_dir(root())
        .env("DATABASE_URL", &database_url)
        .env("LECTERN_SEED_DEMO", "true")
        .env("LECTERN_DEV_MAILBOX", "true")
        .env("LECTERN_BIND", format!("127.0.0.1:{port}"))
        .env("LECTERN_PUBLIC_URL", &base_url)
        // The contract run probes every operation with bad keys from this one address.
        .env("LECTERN_FAILED_AUTH_PER_MINUTE", "10000")
        // The webhooks check's receiver listens on loopback.
        .env("LECTERN_WEBHOOKS_ALLOW_LOOPBACK", "true")
        .stdout(Stdio::from(log.try_clone().map_err(|e| e.to_string())?))
        .stderr(Stdio::from(log))
        .spawn()
        .map_err(|e| format!("could not start the server: {e}"))?;
    let mut server = KillOnDrop(child);
    if let Err(e) = wait_until_healthy(port, &mut server.0) {
        return Err(format!("{e}\n--- server log ---\n{}", tail(&log_path)));
    }
    let mut node = with_timeout(1200, "node");
    toolchain.apply(&mut node);
    node.env("LECTERN_URL", &base_url)
        .args(["--test", "--test-concurrency=1", "end2end/tests/"]);
    if let Some(chromium) = toolchain::chromium_path() {
        node.env("CHROMIUM_PATH", chromium);
    }
    let result = proc::run(&mut node)
        .and_then(|()| api_contract(&base_url, &database_url))
        .and_then(|()| webhooks_check(&base_url, &database_url));
    if result.is_err() {
        eprintln!("--- server log ---\n{}", tail(&log_path));
    }
    result
}

/// The OpenAPI document checked by an external validator, then the live API driven by schemathesis
/// with a key of the demo tenant: no 5xx, and every answer as the document describes it.
fn api_contract(base_url: &str, database_url: &str) -> Result {
    let venv = toolchain::ensure_python_tools()?;
    let document = root().join("target/openapi.json");
    proc::run(
        Command::new(venv.join("bin/python"))
            .arg("-c")
            .arg("import sys, urllib.request; open(sys.argv[2], 'wb').write(urllib.request.urlopen(sys.argv[1]).read())")
            .arg(format!("{base_url}/v1/openapi.json"))
            .arg(&document),
    )?;
    proc::run(Command::new(venv.join("bin/openapi-spec-validator")).arg(&document))?;
    let (tenant, secret) = issue_key(database_url, "schemathesis")?;
    // Thousands of requests in two minutes: the demo tenant's default 600 a minute would turn
    // most of them into 429s, which every check accepts and which would test nothing.
    proc::run(
        Command::new(server_binary(false))
            .env("DATABASE_URL", database_url)
            .args([
                "set-limits",
                "--tenant",
                "demo",
                "--per-minute",
                "1000000",
                "--per-hour",
                "100000000",
            ]),
    )?;
    // Every check and every phase (examples, coverage, fuzzing, stateful); the few operations
    // where a check cannot fit a documented rule are named, with the rule, in the config file.
    let mut schemathesis = with_timeout(900, &venv.join("bin/schemathesis").to_string_lossy());
    schemathesis
        .current_dir(root())
        .env("LECTERN_CONTRACT_KEY", &secret)
        .args(["--config-file", "xtask/schemathesis/schemathesis.toml"])
        .args(["run", &format!("{base_url}/v1/openapi.json")])
        .args(["--url", base_url])
        .args(["-H", &format!("X-Tenant-Id: {tenant}")])
        // The calling key's own rotation and revocation would end the run's authentication.
        .args(["--exclude-path-regex", "^/v1/admin/key/"])
        .args(["--max-examples", "10", "--seed", "1", "--no-color"]);
    proc::run(&mut schemathesis)
}

/// Webhooks verified by the `standardwebhooks` library, against the running server.
fn webhooks_check(base_url: &str, database_url: &str) -> Result {
    let venv = toolchain::ensure_python_tools()?;
    let (_, secret) = issue_key(database_url, "webhooks check")?;
    let mut check = with_timeout(300, &venv.join("bin/python").to_string_lossy());
    proc::run(
        check
            .current_dir(root())
            .arg("end2end/webhooks_check.py")
            .arg(base_url)
            .arg(&secret),
    )
}

/// An admin key of the demo tenant, made by the server's operator command: its tenant and secret.
fn issue_key(database_url: &str, name: &str) -> Result<(String, String)> {
    let issued = Command::new(server_binary(false))
        .env("DATABASE_URL", database_url)
        .args([
            "issue-key",
            "--tenant",
            "demo",
            "--role",
            "admin",
            "--name",
            name,
        ])
        .output()
        .map_err(|e| format!("could not run the server's issue-key: {e}"))?;
    let printed = String::from_utf8_lossy(&issued.stdout);
    let value = |name: &str| {
        printed
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::to_string)
            .ok_or(format!(
                "issue-key printed no {name}: {}",
                String::from_utf8_lossy(&issued.stderr)
            ))
    };
    Ok((value("tenant_id=")?, value("secret=")?))
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_until_healthy(port: u16, child: &mut Child) -> Result {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the server exited during start-up ({status})"));
        }
        if http_status(port, "/").as_deref() == Some("200") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err("the server did not answer GET / with 200 within 120 s".into())
}

fn http_status(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    Some(String::from_utf8_lossy(&head[9..12]).into_owned())
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}
