//! What the benchmarks' load generators share: a server function's answer as they read it, and
//! their latency figures.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

/// A server function's answer.
pub enum Reply {
    Ok(Value),
    /// The server answered with an error: status and code.
    Refused(u16, String),
    /// No answer: the connection failed or timed out.
    Failed(String),
}

/// Sends a request and reads its answer.
pub async fn reply(request: reqwest::RequestBuilder) -> Reply {
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) if e.is_timeout() => return Reply::Failed("timeout".into()),
        Err(e) if e.is_connect() => return Reply::Failed("connect".into()),
        Err(_) => return Reply::Failed("connection".into()),
    };
    let status = response.status();
    let text = match response.text().await {
        Ok(text) => text,
        Err(_) => return Reply::Failed("connection".into()),
    };
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status.is_success() {
        Reply::Ok(body)
    } else {
        let code = body["code"].as_str().unwrap_or("-").to_string();
        Reply::Refused(status.as_u16(), code)
    }
}

/// Microseconds since `since`, saturated.
pub fn micros(since: Instant) -> u32 {
    u32::try_from(since.elapsed().as_micros()).unwrap_or(u32::MAX)
}

/// The `p`th percentile of sorted microseconds, in milliseconds.
pub fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

/// The first `learners` `Cookie` header values of `server bench-sessions`' output, one a line;
/// exits when the file holds fewer.
pub fn learner_cookies(program: &str, path: &Path, learners: usize) -> Vec<String> {
    let cookies: Vec<String> = std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    if cookies.len() < learners {
        eprintln!(
            "{program}: {} has {} cookies for {learners} learners",
            path.display(),
            cookies.len(),
        );
        std::process::exit(2);
    }
    cookies
}

/// One pool of keep-alive connections for all learners, as a reverse proxy in front would keep.
pub fn learners_client(program: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(5))
        .pool_idle_timeout(Duration::from_secs(60))
        .tcp_nodelay(true)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("{program}: {e}");
            std::process::exit(2)
        })
}
