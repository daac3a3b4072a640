//! What the tests that run the server binary as a process share.

#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Client;

/// The longest a server binary may take to answer after it starts.
const HEALTHY_WITHIN: Duration = Duration::from_secs(30);

/// The URL of a test database, for the binary.
pub fn database_url(pool: &sqlx::PgPool) -> String {
    let options = pool.connect_options();
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap()
    )
}

/// The server binary, killed when dropped (a failing test leaves no server behind).
pub struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    pub fn start(database_url: &str, addr: &str, log: &Path) -> Server {
        let output = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .env_clear()
            .env("DATABASE_URL", database_url)
            .env("LECTERN_BIND", addr)
            .env("LECTERN_LOG", "warn")
            .env("LECTERN_QUIZ_GRACE_SECONDS", "0")
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .unwrap();
        Server {
            child,
            log: log.to_path_buf(),
        }
    }

    pub async fn wait_until_healthy(&mut self, client: &Client, base: &str) {
        let deadline = Instant::now() + HEALTHY_WITHIN;
        loop {
            let health = client
                .get(format!("{base}/"))
                .header("accept", "application/json")
                .send()
                .await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server exited with {status}:\n{}", tail(&self.log));
            }
            assert!(
                Instant::now() < deadline,
                "the server did not become healthy within {HEALTHY_WITHIN:?}:\n{}",
                tail(&self.log)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback address no one listens on now.
pub fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

pub fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}
