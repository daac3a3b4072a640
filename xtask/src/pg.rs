//! A private PostgreSQL cluster under `.lectern/pg`, for `run` when no DATABASE_URL is given.
//!
//! Uses the system's initdb and pg_ctl (crates that download PostgreSQL fail offline). PostgreSQL
//! refuses to run as root, so as root the cluster belongs to the `postgres` user.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::proc::{self, is_root, output};
use crate::Result;

const DB_USER: &str = "lectern";
const DB_NAME: &str = "lectern";

fn cluster_dir(root: &Path) -> PathBuf {
    root.join(".lectern/pg")
}

fn data_dir(root: &Path) -> PathBuf {
    cluster_dir(root).join("data")
}

fn port_file(root: &Path) -> PathBuf {
    cluster_dir(root).join("port")
}

fn bin_dir() -> Result<PathBuf> {
    if let Some(dir) = output(Command::new("pg_config").arg("--bindir")) {
        let dir = PathBuf::from(dir);
        if dir.join("initdb").exists() {
            return Ok(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| "PostgreSQL is not installed: install it (Debian: apt-get install postgresql) or set DATABASE_URL")?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "no initdb found under /usr/lib/postgresql".into())
}

/// Runs a PostgreSQL tool as the cluster's owner.
fn pg_tool(bin: &Path, tool: &str) -> Command {
    let program = bin.join(tool);
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn port_in_use(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

fn is_running(bin: &Path, data: &Path) -> bool {
    proc::succeeds(pg_tool(bin, "pg_ctl").arg("status").arg("-D").arg(data))
}

/// Starts (or reuses) the private cluster and returns its DATABASE_URL.
pub fn start(root: &Path) -> Result<String> {
    let bin = bin_dir()?;
    let dir = cluster_dir(root);
    let data = data_dir(root);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if is_root() {
        // The cluster's owner must be able to reach and own its folder.
        proc::run(
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir),
        )?;
        proc::run(
            Command::new("chmod")
                .args(["o+x"])
                .arg(root)
                .arg(root.join(".lectern")),
        )?;
    }
    if !data.join("PG_VERSION").exists() {
        proc::run(pg_tool(&bin, "initdb").arg("-D").arg(&data).args([
            "-U",
            DB_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-instructions",
        ]))?;
    }
    let saved_port = std::fs::read_to_string(port_file(root))
        .ok()
        .and_then(|p| p.trim().parse::<u16>().ok());
    let port = if is_running(&bin, &data) {
        saved_port.ok_or("the private cluster is running but its port file is missing; run `cargo xtask db stop`")?
    } else {
        let port = match saved_port {
            Some(p) if !port_in_use(p) => p,
            _ => free_port()?,
        };
        let log = dir.join("postgres.log");
        let options =
            format!("-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''");
        proc::run(
            pg_tool(&bin, "pg_ctl")
                .args(["start", "-w", "-D"])
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .args(["-o", &options]),
        )?;
        std::fs::write(port_file(root), port.to_string()).map_err(|e| e.to_string())?;
        port
    };
    let client = |tool: &str| {
        let mut cmd = Command::new(bin.join(tool));
        cmd.args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", DB_USER]);
        cmd
    };
    let exists = output(client("psql").args(["-d", "postgres", "-tAc"]).arg(format!(
        "select 1 from pg_database where datname = '{DB_NAME}'"
    )));
    if exists.as_deref() != Some("1") {
        proc::run(client("createdb").arg(DB_NAME))?;
    }
    Ok(format!("postgres://{DB_USER}@127.0.0.1:{port}/{DB_NAME}"))
}

pub fn stop(root: &Path) -> Result {
    let bin = bin_dir()?;
    let data = data_dir(root);
    if !is_running(&bin, &data) {
        eprintln!("xtask: the private PostgreSQL cluster is not running");
        return Ok(());
    }
    proc::run(
        pg_tool(&bin, "pg_ctl")
            .args(["stop", "-m", "fast", "-D"])
            .arg(&data),
    )
}

/// Drops and creates `name` on the server of `admin_url`, returning the new database's URL.
pub fn recreate_database(admin_url: &str, name: &str) -> Result<String> {
    let psql = bin_dir()
        .map(|b| b.join("psql"))
        .unwrap_or_else(|_| PathBuf::from("psql"));
    proc::run(
        Command::new(psql)
            .arg(admin_url)
            .args(["-q", "-v", "ON_ERROR_STOP=1"])
            .arg("-c")
            .arg(format!("drop database if exists {name} with (force)"))
            .arg("-c")
            .arg(format!("create database {name}")),
    )?;
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .ok_or("DATABASE_URL has no database name")?;
    Ok(format!("{base}/{name}"))
}
