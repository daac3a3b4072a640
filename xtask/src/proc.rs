//! Running child processes with a clear error when they fail.

use std::process::{Command, Stdio};

use crate::Result;

/// Runs a command with inherited output; fails with the command line when it exits non-zero.
/// Each step prints how long it took, so a slow CI run shows where its time went.
pub fn run(cmd: &mut Command) -> Result {
    let shown = describe(cmd);
    eprintln!("xtask: $ {shown}");
    let started = std::time::Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    let short: String = shown.chars().take(80).collect();
    eprintln!(
        "xtask: {:.0} s for `{short}` ({status})",
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Runs a command quietly and returns its trimmed stdout, or None when it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// True when the program can be started and exits successfully.
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Network calls go through `timeout`, so a closed network becomes a fallback instead of a hang.
pub fn with_timeout(seconds: u32, program: &str) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg(seconds.to_string()).arg(program);
    cmd
}

pub fn is_root() -> bool {
    output(Command::new("id").arg("-u")).as_deref() == Some("0")
}

/// The command line as echoed to the log, with credentials left out.
fn describe(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| redact(&a.to_string_lossy())));
    parts.join(" ")
}

fn redact(arg: &str) -> String {
    match arg.split_once(':') {
        Some((name, _)) if name.eq_ignore_ascii_case("authorization") => {
            format!("{name}: [redacted]")
        }
        _ => arg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn credentials_stay_out_of_the_echoed_command() {
        assert_eq!(
            redact("Authorization: Bearer ck_test_secret"),
            "Authorization: [redacted]"
        );
        assert_eq!(redact("X-Tenant-Id: ten_1"), "X-Tenant-Id: ten_1");
    }
}
