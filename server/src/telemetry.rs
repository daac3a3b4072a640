//! Logging: human-readable by default, JSON lines with `LECTERN_LOG_FORMAT=json`.

use tracing_subscriber::EnvFilter;

use crate::config::Config;

pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if config.log_json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
