//! The load generator of `bench/proctoring.sh`: N signed-in learners start a strict quiz within
//! the ramp (accepting its rules) and send a batch of events every interval through the taking
//! page's own path (the `proctoring/events` server function, with the session cookie and
//! `Sec-Fetch-Site: same-origin`), as the browser's capture does. Meanwhile a teacher's page holds
//! the quiz's live event stream, and `--probes` learners, one at a time, paste: the time from the
//! paste's batch leaving to the stream's `incident` reaching the teacher is the push latency.
//! Prints its figures as `key=value` lines for the script.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use quiz_rush::{micros, percentile, Reply};
use reqwest::Client;
use serde_json::{json, Value};
use tokio::sync::mpsc;

#[derive(Clone)]
struct Args {
    base: String,
    quiz: String,
    cookies: PathBuf,
    watcher: String,
    learners: usize,
    ramp: f64,
    duration: f64,
    interval: f64,
    batch: usize,
    probes: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        base: "http://127.0.0.1:3904".into(),
        quiz: String::new(),
        cookies: PathBuf::new(),
        watcher: String::new(),
        learners: 0,
        ramp: 60.0,
        duration: 60.0,
        interval: 5.0,
        batch: 5,
        probes: 20,
    };
    let mut rest = std::env::args().skip(1);
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or(format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.parse::<f64>()
                .map_err(|_| format!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--base" => args.base = value,
            "--quiz" => args.quiz = value,
            "--cookies" => args.cookies = value.into(),
            "--watcher-cookie" => args.watcher = value,
            "--learners" => args.learners = number(&value)? as usize,
            "--ramp" => args.ramp = number(&value)?,
            "--duration" => args.duration = number(&value)?,
            "--interval" => args.interval = number(&value)?,
            "--batch" => args.batch = number(&value)?.max(1.0) as usize,
            "--probes" => args.probes = number(&value)? as usize,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if args.quiz.is_empty() || args.learners == 0 || args.watcher.is_empty() {
        return Err("usage: proctoring_load --quiz asmnt_… --cookies FILE --watcher-cookie COOKIE --learners N [--base URL] [--ramp S] [--duration S] [--interval S] [--batch K] [--probes P]".into());
    }
    Ok(args)
}

struct Shared {
    client: Client,
    args: Args,
    t0: Instant,
    batches: AtomicU64,
    errors: AtomicU64,
    /// Each learner's attempt, once started, for the probes.
    attempts: Mutex<Vec<Option<(String, String)>>>,
}

impl Shared {
    async fn call(&self, cookie: &str, endpoint: &str, body: &Value) -> Reply {
        let request = self
            .client
            .post(format!("{}/api/{endpoint}", self.args.base))
            .header("cookie", cookie)
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .json(body);
        quiz_rush::reply(request).await
    }

    fn since_t0(&self) -> f64 {
        self.t0.elapsed().as_secs_f64()
    }

    fn steady(&self) -> bool {
        let t = self.since_t0();
        t >= self.args.ramp && t < self.args.ramp + self.args.duration
    }
}

#[derive(Default)]
struct Report {
    started: bool,
    batch_micros: Vec<u32>,
    steady_events: u64,
    steady_batches: u64,
    errors: HashMap<String, u64>,
}

/// One learner: starts, then a batch every interval (blur and focus, which raise nothing) until
/// the run ends.
async fn learner(shared: Arc<Shared>, index: usize, cookie: String) -> Report {
    let args = &shared.args;
    let mut report = Report::default();
    let offset = args.ramp * index as f64 / args.learners as f64;
    tokio::time::sleep_until((shared.t0 + Duration::from_secs_f64(offset)).into()).await;
    let start = json!({"quiz_id": args.quiz, "preview": false, "accept_proctoring_rules": true});
    let attempt = match shared.call(&cookie, "quiz/start", &start).await {
        Reply::Ok(attempt) => attempt["id"].as_str().unwrap_or_default().to_string(),
        Reply::Refused(status, code) => {
            *report
                .errors
                .entry(format!("start {status} {code}"))
                .or_default() += 1;
            return report;
        }
        Reply::Failed(why) => {
            *report.errors.entry(format!("start {why}")).or_default() += 1;
            return report;
        }
    };
    report.started = true;
    if let Ok(mut attempts) = shared.attempts.lock() {
        attempts[index] = Some((cookie.clone(), attempt.clone()));
    }
    let end = shared.t0 + Duration::from_secs_f64(args.ramp + args.duration);
    let mut sequence = 0_i64;
    let mut next = Instant::now() + Duration::from_secs_f64(args.interval);
    while next < end {
        tokio::time::sleep_until(next.into()).await;
        next += Duration::from_secs_f64(args.interval);
        let events: Vec<Value> = (0..args.batch)
            .map(|i| {
                sequence += 1;
                let kind = if i % 2 == 0 { "window_blur" } else { "window_focus" };
                json!({"sequence": sequence, "kind": kind, "offset_ms": sequence * 1000, "age_ms": (args.batch - i) as i64 * 900})
            })
            .collect();
        let body = json!({"quiz_id": args.quiz, "attempt_id": attempt, "events": events});
        let steady = shared.steady();
        let sent = Instant::now();
        match shared.call(&cookie, "proctoring/events", &body).await {
            Reply::Ok(ack) => {
                shared.batches.fetch_add(1, Ordering::Relaxed);
                if steady {
                    report.batch_micros.push(micros(sent));
                    report.steady_batches += 1;
                    report.steady_events += ack["accepted"].as_u64().unwrap_or(0);
                }
            }
            Reply::Refused(status, code) => {
                shared.errors.fetch_add(1, Ordering::Relaxed);
                *report
                    .errors
                    .entry(format!("batch {status} {code}"))
                    .or_default() += 1;
            }
            Reply::Failed(why) => {
                shared.errors.fetch_add(1, Ordering::Relaxed);
                *report.errors.entry(format!("batch {why}")).or_default() += 1;
            }
        }
    }
    report
}

/// The teacher's page: the quiz's live stream; each `incident` event's arrival goes to `heard`.
async fn watch(shared: Arc<Shared>, heard: mpsc::UnboundedSender<Instant>) -> Result<(), String> {
    let url = format!(
        "{}/live/quizzes/{}/proctoring",
        shared.args.base, shared.args.quiz
    );
    // Its own client: the learners' pool has a request timeout, and this request lasts.
    let client = Client::builder()
        .tcp_nodelay(true)
        .build()
        .map_err(|e| e.to_string())?;
    let mut response = client
        .get(url)
        .header("cookie", &shared.args.watcher)
        .header("accept", "text/event-stream")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("the live stream answered {}", response.status()));
    }
    let mut buffer = String::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        let at = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if block
                .lines()
                .any(|l| l.trim() == "event: incident" || l.trim() == "event:incident")
            {
                let _ = heard.send(at);
            }
        }
    }
    Ok(())
}

/// One learner at a time pastes; the push latency is from its batch leaving to the teacher's
/// stream hearing of an incident. Probes are spread over the steady window.
async fn probe(
    shared: Arc<Shared>,
    mut heard: mpsc::UnboundedReceiver<Instant>,
) -> (Vec<u32>, usize) {
    let args = shared.args.clone();
    let mut latencies = Vec::new();
    if args.probes == 0 {
        return (latencies, 0);
    }
    let spacing = args.duration / args.probes as f64;
    for i in 0..args.probes {
        let at = shared.t0 + Duration::from_secs_f64(args.ramp + spacing * (i as f64 + 0.5));
        tokio::time::sleep_until(at.into()).await;
        let index = i * args.learners / args.probes;
        let Some((cookie, attempt)) = shared.attempts.lock().ok().and_then(|a| a[index].clone())
        else {
            continue;
        };
        while heard.try_recv().is_ok() {}
        let body = json!({"quiz_id": args.quiz, "attempt_id": attempt,
            "events": [{"sequence": 1_000_000 + i as i64, "kind": "paste", "offset_ms": 1, "age_ms": 0}]});
        let sent = Instant::now();
        if !matches!(
            shared.call(&cookie, "proctoring/events", &body).await,
            Reply::Ok(_)
        ) {
            continue;
        }
        if let Ok(Some(arrived)) = tokio::time::timeout(Duration::from_secs(10), heard.recv()).await
        {
            latencies.push(
                u32::try_from(arrived.saturating_duration_since(sent).as_micros())
                    .unwrap_or(u32::MAX),
            );
        }
    }
    (latencies, args.probes)
}

#[tokio::main]
async fn main() {
    let args = parse_args().unwrap_or_else(|message| {
        eprintln!("proctoring_load: {message}");
        std::process::exit(2)
    });
    let cookies = quiz_rush::learner_cookies("proctoring_load", &args.cookies, args.learners);
    let client = quiz_rush::learners_client("proctoring_load");
    let shared = Arc::new(Shared {
        client,
        args: args.clone(),
        t0: Instant::now(),
        batches: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        attempts: Mutex::new(vec![None; args.learners]),
    });
    let (tell, heard) = mpsc::unbounded_channel();
    let watcher = tokio::spawn(watch(shared.clone(), tell));
    let prober = tokio::spawn(probe(shared.clone(), heard));
    let progress = {
        let shared = shared.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                eprintln!(
                    "proctoring_load: t={:>4.0}s batches={} errors={}",
                    shared.since_t0(),
                    shared.batches.load(Ordering::Relaxed),
                    shared.errors.load(Ordering::Relaxed)
                );
            }
        })
    };
    let tasks: Vec<_> = cookies
        .into_iter()
        .take(args.learners)
        .enumerate()
        .map(|(index, cookie)| tokio::spawn(learner(shared.clone(), index, cookie)))
        .collect();
    let mut reports = Vec::with_capacity(tasks.len());
    for task in tasks {
        if let Ok(report) = task.await {
            reports.push(report);
        }
    }
    let (mut pushes, probes) = prober.await.unwrap_or_default();
    progress.abort();
    if watcher.is_finished() {
        if let Ok(Err(why)) = watcher.await {
            eprintln!("proctoring_load: {why}");
        }
    } else {
        watcher.abort();
    }

    let mut batch_micros: Vec<u32> = reports
        .iter()
        .flat_map(|r| r.batch_micros.iter().copied())
        .collect();
    batch_micros.sort_unstable();
    pushes.sort_unstable();
    let mut errors: HashMap<String, u64> = HashMap::new();
    for report in &reports {
        for (kind, n) in &report.errors {
            *errors.entry(kind.clone()).or_default() += n;
        }
    }
    let steady_events: u64 = reports.iter().map(|r| r.steady_events).sum();
    let steady_batches: u64 = reports.iter().map(|r| r.steady_batches).sum();
    let offered = args.learners as f64 / args.interval;
    println!("started={}", reports.iter().filter(|r| r.started).count());
    println!("offered_batches_per_s={offered:.1}");
    println!("batches_per_s={:.1}", steady_batches as f64 / args.duration);
    println!("events_per_s={:.1}", steady_events as f64 / args.duration);
    println!("batch_p50_ms={:.1}", percentile(&batch_micros, 50.0));
    println!("batch_p99_ms={:.1}", percentile(&batch_micros, 99.0));
    println!("batch_max_ms={:.1}", percentile(&batch_micros, 100.0));
    println!("push_heard={}/{probes}", pushes.len());
    println!("push_p50_ms={:.1}", percentile(&pushes, 50.0));
    println!("push_p99_ms={:.1}", percentile(&pushes, 99.0));
    println!("push_max_ms={:.1}", percentile(&pushes, 100.0));
    println!("errors={}", errors.values().sum::<u64>());
    let mut kinds: Vec<String> = errors.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    kinds.sort();
    println!("error_kinds={}", kinds.join("; "));
}
