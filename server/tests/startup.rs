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
