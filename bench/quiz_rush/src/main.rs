//! The load generator of `bench/quiz_rush.sh`: N signed-in learners start a timed quiz within the
//! ramp, save one answer every interval through the browser's own path (the `quiz/start` and
//! `quiz/save` server functions, with the session cookie and `Sec-Fetch-Site: same-origin`), and
//! submit. At the end every learner's acknowledged answers are compared with what the server holds.
//! Prints its figures as `key=value` lines for the script.
//!
//! With `--crash` the script kills the server with SIGKILL mid-run and starts it again: a learner
//! resends a save that got no answer until it is acknowledged, and every `--overdue-every`-th
//! learner walks away after a few saves and never comes back. Once all of those have walked away
//! their attempts' ids (as UUIDs) go to `--overdue-file`, for the script to move their deadline
//! into the past while the server is down; the server's deadline sweeper must then submit them
//! with the answers saved before.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use quiz_rush::{micros, percentile, Reply};
use reqwest::Client;
use serde_json::{json, Value};

#[derive(Clone)]
struct Args {
    base: String,
    quiz: String,
    cookies: PathBuf,
    learners: usize,
    ramp: f64,
    duration: f64,
    interval: f64,
    crash: bool,
    overdue_every: usize,
    overdue_file: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        base: "http://127.0.0.1:3903".into(),
        quiz: String::new(),
        cookies: PathBuf::new(),
        learners: 0,
        ramp: 60.0,
        duration: 60.0,
        interval: 5.0,
        crash: false,
        overdue_every: 10,
        overdue_file: None,
    };
    let mut rest = std::env::args().skip(1);
    while let Some(flag) = rest.next() {
        if flag == "--crash" {
            args.crash = true;
            continue;
        }
        let value = rest.next().ok_or(format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.parse::<f64>()
                .map_err(|_| format!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--base" => args.base = value,
            "--quiz" => args.quiz = value,
            "--cookies" => args.cookies = value.into(),
            "--learners" => args.learners = number(&value)? as usize,
            "--ramp" => args.ramp = number(&value)?,
            "--duration" => args.duration = number(&value)?,
            "--interval" => args.interval = number(&value)?,
            "--overdue-every" => args.overdue_every = number(&value)?.max(1.0) as usize,
            "--overdue-file" => args.overdue_file = Some(value.into()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if args.quiz.is_empty() || args.learners == 0 || args.cookies.as_os_str().is_empty() {
        return Err("usage: quiz_rush --quiz asmnt_… --cookies FILE --learners N [--base URL] [--ramp S] [--duration S] [--interval S] [--crash --overdue-file FILE --overdue-every K]".into());
    }
    Ok(args)
}

/// One answer as sent, to compare with what the server holds.
#[derive(Debug, Clone, PartialEq)]
struct Sent {
    question: String,
    option: String,
}

impl Sent {
    fn held_in(&self, attempt: &Value) -> bool {
        stored_option(attempt, &self.question).as_deref() == Some(self.option.as_str())
    }
}

fn stored(attempt: &Value, question: &str) -> Option<Value> {
    attempt["answers"]
        .as_array()?
        .iter()
        .find(|a| a["question_id"].as_str() == Some(question))
        .cloned()
}

fn stored_option(attempt: &Value, question: &str) -> Option<String> {
    stored(attempt, question)?["selected_option_id"]
        .as_str()
        .map(str::to_string)
}

/// What one learner did.
#[derive(Default)]
struct Report {
    started: bool,
    start_micros: Vec<u32>,
    save_micros: Vec<u32>,
    submit_micros: Vec<u32>,
    saves: u64,
    steady_saves: u64,
    errors: HashMap<String, u64>,
    resent: u64,
    submitted: bool,
    walked_away: bool,
    attempt: Option<String>,
    /// The last acknowledged answer to each question…
    acked: HashMap<String, Sent>,
    /// …and the last one sent whose fate is unknown (no answer came), which may be held instead.
    unknown: HashMap<String, Sent>,
    /// The attempt as the server answered the submit.
    last_view: Option<Value>,
}

impl Report {
    fn error(&mut self, what: impl Into<String>) {
        *self.errors.entry(what.into()).or_default() += 1;
    }

    /// Acknowledged answers the attempt no longer holds (an unknown later save may replace one).
    fn lost_in(&self, attempt: &Value) -> (u64, u64) {
        let mut lost = 0;
        for (question, sent) in &self.acked {
            let later = self
                .unknown
                .get(question)
                .is_some_and(|u| u.held_in(attempt));
            if !sent.held_in(attempt) && !later {
                lost += 1;
            }
        }
        (lost, self.acked.len() as u64)
    }
}

struct Shared {
    client: Client,
    args: Args,
    t0: Instant,
    saves: AtomicU64,
    errors: AtomicU64,
    walkers_left: AtomicUsize,
    overdue: std::sync::Mutex<Vec<String>>,
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

    /// `quiz/attempt` takes its arguments form-encoded, as the hydrated page sends them.
    async fn get_attempt(&self, cookie: &str, attempt: &str) -> Reply {
        let request = self
            .client
            .post(format!("{}/api/quiz/attempt", self.args.base))
            .header("cookie", cookie)
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("quiz_id={}&attempt_id={attempt}", self.args.quiz));
        quiz_rush::reply(request).await
    }

    fn since_t0(&self) -> f64 {
        self.t0.elapsed().as_secs_f64()
    }

    fn in_steady_window(&self) -> bool {
        let t = self.since_t0();
        t >= self.args.ramp && t < self.args.ramp + self.args.duration
    }
}

/// How long a learner in a crash run keeps resending one request before giving up on it.
const GIVE_UP: Duration = Duration::from_secs(120);
const RESEND_PAUSE: Duration = Duration::from_millis(250);

async fn learner(shared: Arc<Shared>, index: usize, cookie: String) -> Report {
    let walker = shared.args.crash && index % shared.args.overdue_every == 0;
    let report = take_quiz(&shared, index, &cookie, walker).await;
    shared
        .errors
        .fetch_add(report.errors.values().sum(), Ordering::Relaxed);
    if walker {
        if let (true, Some(attempt)) = (report.walked_away, &report.attempt) {
            shared
                .overdue
                .lock()
                .map(|mut o| o.push(attempt.clone()))
                .ok();
        }
        shared.walkers_left.fetch_sub(1, Ordering::SeqCst);
    }
    report
}

async fn take_quiz(shared: &Shared, index: usize, cookie: &str, walker: bool) -> Report {
    let args = &shared.args;
    let mut report = Report::default();
    let offset = args.ramp * index as f64 / args.learners as f64;
    tokio::time::sleep_until((shared.t0 + Duration::from_secs_f64(offset)).into()).await;

    let start_body = json!({"quiz_id": args.quiz, "preview": false});
    let started_at = Instant::now();
    let attempt = loop {
        let sent_at = Instant::now();
        match shared.call(cookie, "quiz/start", &start_body).await {
            Reply::Ok(attempt) => {
                report.start_micros.push(micros(sent_at));
                break attempt;
            }
            Reply::Refused(status, code) if !(args.crash && status >= 500) => {
                report.error(format!("start {status} {code}"));
                return report;
            }
            Reply::Refused(..) | Reply::Failed(_)
                if args.crash && started_at.elapsed() < GIVE_UP =>
            {
                report.resent += 1;
                tokio::time::sleep(RESEND_PAUSE).await;
            }
            Reply::Refused(status, code) => {
                report.error(format!("start {status} {code}"));
                return report;
            }
            Reply::Failed(why) => {
                report.error(format!("start {why}"));
                return report;
            }
        }
    };
    report.started = true;
    let attempt_id = attempt["id"].as_str().unwrap_or_default().to_string();
    report.attempt = Some(attempt_id.clone());
    let questions: Vec<(String, Vec<String>)> = attempt["questions"]
        .as_array()
        .map(|qs| {
            qs.iter()
                .map(|q| {
                    let options = q["options"]
                        .as_array()
                        .map(|os| {
                            os.iter()
                                .filter_map(|o| o["id"].as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    (q["id"].as_str().unwrap_or_default().to_string(), options)
                })
                .collect()
        })
        .unwrap_or_default();
    if questions.is_empty() {
        report.error("start: no questions");
        return report;
    }

    let end = shared.t0 + Duration::from_secs_f64(args.ramp + args.duration);
    let period = Duration::from_secs_f64(args.interval);
    let mut ticks = tokio::time::interval_at((Instant::now() + period).into(), period);
    // A save slower than the interval delays the next, as a browser's debounced autosave would.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut revisions: HashMap<String, i64> = HashMap::new();
    let mut k = 0usize;
    loop {
        ticks.tick().await;
        if Instant::now() >= end {
            break;
        }
        if walker && k >= 3 {
            report.walked_away = true;
            break;
        }
        let (question, options) = &questions[k % questions.len()];
        let round = k / questions.len();
        k += 1;
        let sent = Sent {
            question: question.clone(),
            option: options[(round + index) % options.len().max(1)].clone(),
        };
        let began = Instant::now();
        loop {
            let answer = json!({"question_id": sent.question, "selected_option_id": sent.option,
                                "revision": revisions.get(&sent.question)});
            let body = json!({"quiz_id": args.quiz, "attempt_id": attempt_id, "answers": [answer], "submit": false});
            let sent_at = Instant::now();
            match shared.call(cookie, "quiz/save", &body).await {
                Reply::Ok(receipt) => {
                    let held = stored(&receipt, &sent.question);
                    let revision = held.as_ref().and_then(|h| h["revision"].as_i64());
                    if let Some(revision) = revision {
                        revisions.insert(sent.question.clone(), revision);
                    }
                    if sent.held_in(&receipt) {
                        report.save_micros.push(micros(sent_at));
                        report.saves += 1;
                        if shared.in_steady_window() {
                            report.steady_saves += 1;
                        }
                        shared.saves.fetch_add(1, Ordering::Relaxed);
                        report.acked.insert(sent.question.clone(), sent.clone());
                        report.unknown.remove(&sent.question);
                        break;
                    }
                    // A newer answer is stored: a save whose reply was lost had landed after all.
                    // Resend under the revision the server just gave.
                    report.error("save stale, resent");
                    if began.elapsed() > GIVE_UP {
                        break;
                    }
                }
                Reply::Refused(status, code) if !(args.crash && status >= 500) => {
                    report.error(format!("save {status} {code}"));
                    report.unknown.insert(sent.question.clone(), sent.clone());
                    break;
                }
                Reply::Refused(..) | Reply::Failed(_)
                    if args.crash && !walker && began.elapsed() < GIVE_UP =>
                {
                    report.resent += 1;
                    report.unknown.insert(sent.question.clone(), sent.clone());
                    tokio::time::sleep(RESEND_PAUSE).await;
                }
                Reply::Refused(status, code) => {
                    report.error(format!("save {status} {code}"));
                    report.unknown.insert(sent.question.clone(), sent.clone());
                    break;
                }
                Reply::Failed(why) => {
                    report.error(format!("save {why}"));
                    report.unknown.insert(sent.question.clone(), sent.clone());
                    break;
                }
            }
        }
    }

    if walker {
        report.walked_away = true;
        return report;
    }
    let body =
        json!({"quiz_id": args.quiz, "attempt_id": attempt_id, "answers": [], "submit": true});
    let began = Instant::now();
    loop {
        let sent_at = Instant::now();
        match shared.call(cookie, "quiz/save", &body).await {
            // A receipt, as the page gets: the attempt itself is read once the run is over.
            Reply::Ok(_) => {
                report.submit_micros.push(micros(sent_at));
                report.submitted = true;
                break;
            }
            Reply::Refused(..) | Reply::Failed(_) if args.crash && began.elapsed() < GIVE_UP => {
                report.resent += 1;
                tokio::time::sleep(RESEND_PAUSE).await;
            }
            Reply::Refused(status, code) => {
                report.error(format!("submit {status} {code}"));
                break;
            }
            Reply::Failed(why) => {
                report.error(format!("submit {why}"));
                break;
            }
        }
    }
    report
}

/// A public id's UUID, for the script's SQL: the prefix, then 26 characters of Crockford's base32
/// (as `domain::id::encode_128` writes them).
fn id_to_uuid(id: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let text = id.rsplit('_').next()?;
    if text.len() != 26 {
        return None;
    }
    let mut value: u128 = 0;
    for c in text.bytes() {
        value = (value << 5) | ALPHABET.iter().position(|&a| a == c)? as u128;
    }
    let hex = format!("{value:032x}");
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("quiz_rush: {message}");
            std::process::exit(2);
        }
    };
    let cookies = quiz_rush::learner_cookies("quiz_rush", &args.cookies, args.learners);
    let client = quiz_rush::learners_client("quiz_rush");
    let walkers = if args.crash {
        (0..args.learners)
            .filter(|i| i % args.overdue_every == 0)
            .count()
    } else {
        0
    };
    let shared = Arc::new(Shared {
        client,
        args: args.clone(),
        t0: Instant::now(),
        saves: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        walkers_left: AtomicUsize::new(walkers),
        overdue: std::sync::Mutex::new(Vec::new()),
    });

    let progress = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut wrote_overdue = false;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let t = shared.since_t0();
                if t as u64 % 10 == 0 {
                    eprintln!(
                        "quiz_rush: t={t:>4.0}s saves={} errors={}",
                        shared.saves.load(Ordering::Relaxed),
                        shared.errors.load(Ordering::Relaxed)
                    );
                }
                if !wrote_overdue && shared.walkers_left.load(Ordering::SeqCst) == 0 {
                    wrote_overdue = true;
                    if let Some(path) = &shared.args.overdue_file {
                        let ids: Vec<String> = shared
                            .overdue
                            .lock()
                            .map(|o| o.iter().filter_map(|id| id_to_uuid(id)).collect())
                            .unwrap_or_default();
                        let tmp = path.with_extension("tmp");
                        let written = std::fs::write(&tmp, ids.join(","))
                            .and_then(|()| std::fs::rename(&tmp, path));
                        if let Err(e) = written {
                            eprintln!("quiz_rush: could not write {}: {e}", path.display());
                        }
                    }
                }
            }
        })
    };

    let mut tasks = Vec::with_capacity(args.learners);
    for (index, cookie) in cookies.into_iter().take(args.learners).enumerate() {
        tasks.push(tokio::spawn(learner(shared.clone(), index, cookie)));
    }
    let mut reports = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task.await {
            Ok(report) => reports.push(report),
            Err(e) => eprintln!("quiz_rush: a learner panicked: {e}"),
        }
    }
    let save_phase = shared.since_t0();

    // Walkers-away: the sweeper must submit their attempts with what they saved.
    let mut overdue_submitted = 0u64;
    let mut overdue_auto = 0u64;
    if args.crash {
        let deadline = Instant::now() + Duration::from_secs(60);
        let cookies: Vec<String> = std::fs::read_to_string(&args.cookies)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
        for (index, report) in reports.iter_mut().enumerate() {
            let (true, Some(attempt)) = (report.walked_away, report.attempt.clone()) else {
                continue;
            };
            loop {
                if let Reply::Ok(view) = shared.get_attempt(&cookies[index], &attempt).await {
                    if view["status"] != "in_progress" {
                        overdue_submitted += 1;
                        if view["auto_submitted"] == true {
                            overdue_auto += 1;
                        }
                        report.last_view = Some(view);
                        break;
                    }
                }
                if Instant::now() > deadline {
                    report.error("overdue attempt still in progress");
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    progress.abort();

    // A learner whose submit got no answer: read what the server holds, now that the rush is over.
    let cookie_of: Vec<String> = std::fs::read_to_string(&args.cookies)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    let permits = Arc::new(tokio::sync::Semaphore::new(16));
    let mut reads = Vec::new();
    for (index, report) in reports.iter().enumerate() {
        let (None, Some(attempt)) = (&report.last_view, report.attempt.clone()) else {
            continue;
        };
        let (shared, permits, cookie) = (shared.clone(), permits.clone(), cookie_of[index].clone());
        reads.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await.ok()?;
            for _ in 0..5 {
                if let Reply::Ok(view) = shared.get_attempt(&cookie, &attempt).await {
                    return Some((index, view));
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            None
        }));
    }
    let mut unverified = 0u64;
    for read in reads {
        match read.await.ok().flatten() {
            Some((index, view)) => reports[index].last_view = Some(view),
            None => unverified += 1,
        }
    }

    let mut saves = Vec::new();
    let mut starts = Vec::new();
    let mut submits = Vec::new();
    let mut errors: HashMap<String, u64> = HashMap::new();
    let (mut steady, mut resent, mut lost, mut checked) = (0u64, 0u64, 0u64, 0u64);
    let (mut started, mut submitted) = (0u64, 0u64);
    for report in &reports {
        saves.extend_from_slice(&report.save_micros);
        starts.extend_from_slice(&report.start_micros);
        submits.extend_from_slice(&report.submit_micros);
        for (what, n) in &report.errors {
            *errors.entry(what.clone()).or_default() += n;
        }
        steady += report.steady_saves;
        resent += report.resent;
        started += u64::from(report.started);
        submitted += u64::from(report.submitted);
        match &report.last_view {
            Some(view) => {
                let (l, c) = report.lost_in(view);
                lost += l;
                checked += c;
            }
            None => {}
        }
    }
    saves.sort_unstable();
    starts.sort_unstable();
    submits.sort_unstable();
    let error_total: u64 = errors.values().sum();
    let mut kinds: Vec<_> = errors.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1));
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k}: {n}")).collect();

    println!("learners={}", args.learners);
    println!("started={started}");
    println!("submitted={submitted}");
    println!("saves={}", saves.len());
    println!(
        "offered_saves_per_s={:.1}",
        args.learners as f64 / args.interval
    );
    println!("steady_saves_per_s={:.1}", steady as f64 / args.duration);
    println!(
        "overall_saves_per_s={:.1}",
        saves.len() as f64 / save_phase.max(1.0)
    );
    println!("save_p50_ms={:.1}", percentile(&saves, 50.0));
    println!("save_p99_ms={:.1}", percentile(&saves, 99.0));
    println!("save_max_ms={:.1}", percentile(&saves, 100.0));
    println!("start_p50_ms={:.1}", percentile(&starts, 50.0));
    println!("start_p99_ms={:.1}", percentile(&starts, 99.0));
    println!("submit_p50_ms={:.1}", percentile(&submits, 50.0));
    println!("submit_p99_ms={:.1}", percentile(&submits, 99.0));
    println!("errors={error_total}");
    println!(
        "error_kinds={}",
        if kinds.is_empty() {
            "-".into()
        } else {
            kinds.join("; ")
        }
    );
    println!("resent={resent}");
    println!("acknowledged_answers_checked={checked}");
    println!("acknowledged_answers_lost={lost}");
    println!("attempts_unverified={unverified}");
    if args.crash {
        println!("overdue_attempts={walkers}");
        println!("overdue_submitted={overdue_submitted}");
        println!("overdue_auto_submitted={overdue_auto}");
    }
}
