//! Configuration from environment variables, each with a documented default (docs/CONFIGURATION.md),
//! validated at start: every bad value is reported at once, naming its variable.

use std::net::SocketAddr;

use lettre::message::Mailbox;
use rand::RngCore;

/// A bad setting: the variable and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub variable: &'static str,
    pub message: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

#[derive(Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub database_url: String,
    /// Where users reach Lectern (links in mails, cookie security); no trailing slash.
    pub public_url: String,
    /// 64 bytes or more that sign session cookies; random per start when unset.
    pub secret_key: Vec<u8>,
    pub secret_key_generated: bool,
    pub log_filter: String,
    pub log_json: bool,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub seed_demo: bool,
    pub site_root: String,
    pub database_max_connections: u32,
    /// How many reverse proxies stand in front of Lectern (0: none). Behind them, the client's
    /// address is the `X-Forwarded-For` entry the outermost trusted proxy appended.
    pub proxy_hops: usize,
    /// The developer mailbox: every tenant's mail, reset links included, unauthenticated.
    pub dev_mailbox: bool,
    /// How late after a quiz attempt's deadline a save or submit still counts, in seconds.
    pub quiz_grace_seconds: u32,
    /// How many `/v1` requests with a bad key one client address may make a minute before the
    /// next is a 429 (and 1,000 an hour at the default 60, in proportion otherwise): keys cannot
    /// be guessed at full speed.
    pub failed_auth_per_minute: i32,
    /// Webhooks may go to plain http on this machine (a receiver under development), for a
    /// server bound to a loopback address only.
    pub webhooks_allow_loopback: bool,
}

pub const DEFAULT_FAILED_AUTH_PER_MINUTE: i32 = 60;

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("log_filter", &self.log_filter)
            .field("smtp", &self.smtp_url.is_some())
            .finish_non_exhaustive()
    }
}

impl Config {
    pub fn from_env() -> Result<Config, Vec<ConfigProblem>> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, Vec<ConfigProblem>> {
        let mut problems = Vec::new();
        let mut problem = |variable: &'static str, message: String| {
            problems.push(ConfigProblem { variable, message })
        };
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let bind = match get("LECTERN_BIND")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse::<SocketAddr>()
        {
            Ok(addr) => addr,
            Err(_) => {
                problem(
                    "LECTERN_BIND",
                    "must be an address and port such as 127.0.0.1:3000".into(),
                );
                SocketAddr::from(([127, 0, 0, 1], 3000))
            }
        };
        let database_url = match get("DATABASE_URL") {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => url,
            Some(_) => {
                problem(
                    "DATABASE_URL",
                    "must be a PostgreSQL URL such as postgres://user@localhost/lectern".into(),
                );
                String::new()
            }
            None => {
                problem(
                    "DATABASE_URL",
                    "is required (`cargo xtask run` starts a local PostgreSQL and sets it)".into(),
                );
                String::new()
            }
        };
        let public_url = get("LECTERN_PUBLIC_URL").unwrap_or_else(|| format!("http://{bind}"));
        let public_url = public_url.trim_end_matches('/').to_string();
        let scheme_ok = public_url.starts_with("http://") || public_url.starts_with("https://");
        let host = public_url.split("://").nth(1).unwrap_or("");
        if !scheme_ok || host.is_empty() || host.contains('/') || host.contains('?') {
            problem(
                "LECTERN_PUBLIC_URL",
                "must be an origin such as https://learn.example.org (no path)".into(),
            );
        }
        let (secret_key, secret_key_generated) = match get("LECTERN_SECRET_KEY") {
            Some(key) if key.len() >= 64 => (key.into_bytes(), false),
            Some(_) => {
                problem(
                    "LECTERN_SECRET_KEY",
                    "must be at least 64 characters (for example `openssl rand -hex 32`)".into(),
                );
                (Vec::new(), false)
            }
            None => (random_key(), true),
        };
        // PostgreSQL's notices ("relation … already exists, skipping") are noise at every start.
        let log_filter =
            get("LECTERN_LOG").unwrap_or_else(|| "info,sqlx::postgres::notice=warn".into());
        if tracing_subscriber::EnvFilter::try_new(&log_filter).is_err() {
            problem(
                "LECTERN_LOG",
                "must be a level (error, warn, info, debug, trace) or a tracing filter".into(),
            );
        }
        let log_json = match get("LECTERN_LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(_) => {
                problem("LECTERN_LOG_FORMAT", "must be `text` or `json`".into());
                false
            }
        };
        let smtp_url = get("SMTP_URL");
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                problem("SMTP_URL", "must start with smtp:// or smtps://".into());
            }
        }
        let mail_from =
            get("LECTERN_MAIL_FROM").unwrap_or_else(|| "Lectern <no-reply@localhost>".into());
        if mail_from.parse::<Mailbox>().is_err() {
            problem(
                "LECTERN_MAIL_FROM",
                "must be a mailbox such as `Lectern <no-reply@example.org>`".into(),
            );
        }
        let seed_demo = match get("LECTERN_SEED_DEMO").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => {
                problem("LECTERN_SEED_DEMO", "must be true or false".into());
                false
            }
        };
        let proxy_hops = match get("LECTERN_TRUST_PROXY").as_deref() {
            None | Some("false") => 0,
            Some("true") => 1,
            Some(hops) => match hops.parse::<usize>() {
                Ok(n) if n <= 10 => n,
                _ => {
                    problem(
                        "LECTERN_TRUST_PROXY",
                        "must be true, false or the number of proxies in front of Lectern (0 to 10)"
                            .into(),
                    );
                    0
                }
            },
        };
        let quiz_grace_seconds = match get("LECTERN_QUIZ_GRACE_SECONDS") {
            None => 5,
            Some(raw) => match raw.parse::<u32>() {
                Ok(seconds) if seconds <= 120 => seconds,
                _ => {
                    problem(
                        "LECTERN_QUIZ_GRACE_SECONDS",
                        "must be a number of seconds from 0 to 120".into(),
                    );
                    5
                }
            },
        };
        let failed_auth_per_minute = match get("LECTERN_FAILED_AUTH_PER_MINUTE") {
            None => DEFAULT_FAILED_AUTH_PER_MINUTE,
            Some(raw) => match raw.parse::<i32>() {
                Ok(count) if (1..=100_000).contains(&count) => count,
                _ => {
                    problem(
                        "LECTERN_FAILED_AUTH_PER_MINUTE",
                        "must be a number from 1 to 100000".into(),
                    );
                    DEFAULT_FAILED_AUTH_PER_MINUTE
                }
            },
        };
        let dev_mailbox = match get("LECTERN_DEV_MAILBOX").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => {
                problem("LECTERN_DEV_MAILBOX", "must be true or false".into());
                false
            }
        };
        if dev_mailbox {
            // The mailbox shows every tenant's reset links to anyone who can reach it.
            let public_host = public_url.split("://").nth(1).unwrap_or("");
            let why_not = if smtp_url.is_some() {
                Some("cannot be on while SMTP_URL sends mail")
            } else if proxy_hops > 0 {
                Some("cannot be on behind a reverse proxy (LECTERN_TRUST_PROXY)")
            } else if !bind.ip().is_loopback() {
                Some("needs a loopback LECTERN_BIND such as 127.0.0.1:3000")
            } else if !is_loopback_host(public_host) {
                Some("needs a loopback LECTERN_PUBLIC_URL such as http://127.0.0.1:3000")
            } else {
                None
            };
            if let Some(message) = why_not {
                problem(
                    "LECTERN_DEV_MAILBOX",
                    format!("{message}: it shows every tenant's mail, reset links included, to anyone who reaches it"),
                );
            }
        }
        let webhooks_allow_loopback = match get("LECTERN_WEBHOOKS_ALLOW_LOOPBACK").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => {
                problem(
                    "LECTERN_WEBHOOKS_ALLOW_LOOPBACK",
                    "must be true or false".into(),
                );
                false
            }
        };
        if webhooks_allow_loopback && !bind.ip().is_loopback() {
            // On a reachable server it would let a tenant's admin make Lectern call its own host.
            problem(
                "LECTERN_WEBHOOKS_ALLOW_LOOPBACK",
                "needs a loopback LECTERN_BIND such as 127.0.0.1:3000: it lets webhooks reach this machine".into(),
            );
        }
        let site_root = get("LECTERN_SITE_ROOT").unwrap_or_else(|| "target/site".into());
        let database_max_connections =
            match get("DATABASE_MAX_CONNECTIONS").map(|v| v.parse::<u32>()) {
                None => 10,
                Some(Ok(n)) if (1..=500).contains(&n) => n,
                Some(_) => {
                    problem(
                        "DATABASE_MAX_CONNECTIONS",
                        "must be a whole number from 1 to 500".into(),
                    );
                    10
                }
            };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Config {
            bind,
            database_url,
            public_url,
            secret_key,
            secret_key_generated,
            log_filter,
            log_json,
            smtp_url,
            mail_from,
            seed_demo,
            site_root,
            database_max_connections,
            proxy_hops,
            dev_mailbox,
            quiz_grace_seconds,
            failed_auth_per_minute,
            webhooks_allow_loopback,
        })
    }

    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The developer mailbox exposes every mail, reset links included: only when switched on, which
    /// `from_lookup` allows only without SMTP, without a proxy and on loopback addresses.
    pub fn dev_mailbox_enabled(&self) -> bool {
        self.dev_mailbox
    }
}

/// `localhost`, `127.0.0.1`, `[::1]` and the like, with or without a port.
fn is_loopback_host(host_and_port: &str) -> bool {
    let host = match host_and_port.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host_and_port.split(':').next().unwrap_or(""),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn random_key() -> Vec<u8> {
    let mut key = vec![0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, Vec<ConfigProblem>> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_need_only_a_database_url() {
        let config = config(&[("DATABASE_URL", "postgres://localhost/lectern")])
            .map_err(|p| format!("{p:?}"));
        let config = config.unwrap_or_else(|p| unreachable!("{p}"));
        assert_eq!(config.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(config.public_url, "http://127.0.0.1:3000");
        assert!(config.secret_key_generated);
        assert!(
            !config.dev_mailbox_enabled(),
            "the mailbox is never on by default"
        );
        assert_eq!(config.proxy_hops, 0);
        assert_eq!(config.quiz_grace_seconds, 5);
        assert_eq!(
            config.failed_auth_per_minute,
            DEFAULT_FAILED_AUTH_PER_MINUTE
        );
    }

    #[test]
    fn the_quiz_grace_is_a_bounded_number_of_seconds() {
        let with = |value| {
            config(&[
                ("DATABASE_URL", "postgres://x/y"),
                ("LECTERN_QUIZ_GRACE_SECONDS", value),
            ])
        };
        assert_eq!(with("30").map(|c| c.quiz_grace_seconds).ok(), Some(30));
        for bad in ["-1", "121", "soon"] {
            let problems = with(bad).err().unwrap_or_default();
            let variables: Vec<&str> = problems.iter().map(|p| p.variable).collect();
            assert_eq!(variables, ["LECTERN_QUIZ_GRACE_SECONDS"], "{bad}");
        }
    }

    #[test]
    fn every_bad_value_is_reported_with_its_variable() {
        let problems = config(&[
            ("DATABASE_URL", "mysql://x"),
            ("LECTERN_BIND", "nowhere"),
            ("LECTERN_PUBLIC_URL", "ftp://x"),
            ("LECTERN_SECRET_KEY", "short"),
            ("LECTERN_LOG_FORMAT", "xml"),
            ("SMTP_URL", "http://mail"),
            ("LECTERN_SEED_DEMO", "maybe"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
        ])
        .err()
        .unwrap_or_default();
        let variables: Vec<&str> = problems.iter().map(|p| p.variable).collect();
        assert_eq!(
            variables,
            [
                "LECTERN_BIND",
                "DATABASE_URL",
                "LECTERN_PUBLIC_URL",
                "LECTERN_SECRET_KEY",
                "LECTERN_LOG_FORMAT",
                "SMTP_URL",
                "LECTERN_SEED_DEMO",
                "DATABASE_MAX_CONNECTIONS"
            ]
        );
    }

    #[test]
    fn a_missing_database_url_is_named() {
        let problems = config(&[]).err().unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].variable, "DATABASE_URL");
    }

    #[test]
    fn the_mailbox_is_off_when_served_beyond_this_machine() {
        let config = config(&[
            ("DATABASE_URL", "postgres://h/db"),
            ("LECTERN_BIND", "0.0.0.0:8080"),
        ]);
        assert!(config.is_ok_and(|c| !c.dev_mailbox_enabled()));
    }

    #[test]
    fn the_mailbox_is_an_explicit_switch_for_loopback_only() {
        let on = config(&[
            ("DATABASE_URL", "postgres://h/db"),
            ("LECTERN_DEV_MAILBOX", "true"),
        ]);
        assert!(on.is_ok_and(|c| c.dev_mailbox_enabled()));
        // Loopback-bound behind a reverse proxy was the hole: the mailbox went public with it.
        let refusals = [
            ("LECTERN_TRUST_PROXY", "true"),
            ("LECTERN_PUBLIC_URL", "https://learn.example.org"),
            ("LECTERN_BIND", "0.0.0.0:3000"),
            ("SMTP_URL", "smtp://mail.example.org"),
        ];
        for (variable, value) in refusals {
            let problems = config(&[
                ("DATABASE_URL", "postgres://h/db"),
                ("LECTERN_DEV_MAILBOX", "true"),
                (variable, value),
            ])
            .err()
            .unwrap_or_default();
            assert_eq!(
                problems.iter().map(|p| p.variable).collect::<Vec<_>>(),
                ["LECTERN_DEV_MAILBOX"],
                "with {variable}={value}"
            );
        }
        let localhost = config(&[
            ("DATABASE_URL", "postgres://h/db"),
            ("LECTERN_DEV_MAILBOX", "true"),
            ("LECTERN_PUBLIC_URL", "http://localhost:3000"),
        ]);
        assert!(localhost.is_ok_and(|c| c.dev_mailbox_enabled()));
    }

    #[test]
    fn proxy_hops_are_a_switch_or_a_count() {
        let hops = |value: &str| {
            config(&[
                ("DATABASE_URL", "postgres://h/db"),
                ("LECTERN_TRUST_PROXY", value),
            ])
            .map(|c| c.proxy_hops)
            .map_err(|p| p.len())
        };
        assert_eq!(hops("false"), Ok(0));
        assert_eq!(hops("true"), Ok(1));
        assert_eq!(hops("2"), Ok(2));
        assert_eq!(hops("eleven"), Err(1));
        assert_eq!(hops("11"), Err(1));
    }
}
