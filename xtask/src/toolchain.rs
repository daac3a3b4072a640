//! Installs what the build needs, choosing the path by what is found rather than by asking the network.
//!
//! With rustup and internet: `rustup target add wasm32-unknown-unknown`, `cargo install cargo-leptos`.
//! Offline (only crates.io, npm and apt reachable): Debian's Rust with a wasm32 std built once into its
//! sysroot, and the tools compiled from crates.io. Each step is skipped when its result is already there.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::proc::{self, is_root, output, succeeds, with_timeout};
use crate::{root, Result};

const CARGO_LEPTOS_VERSION: &str = "0.3.11";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// cargo-leptos 0.3.11's locked dependencies need this rustc; an older toolchain, even one with a
/// wasm32 std, cannot install it.
const MIN_RUSTC: (u32, u32) = (1, 96);
const DEBIAN_RUST_PACKAGES: &[&str] = &[
    "rustc-web",
    "cargo-web",
    "rust-web-src",
    "rust-web-llvm",
    "lld-22",
    "rust-web-clippy",
    "rustfmt-web",
];
/// Native libraries the server's crates link against (samael's xmlsec for SAML, OpenSSL headers).
const NATIVE_PACKAGES: &[&str] = &["pkg-config", "libssl-dev"];

/// How to invoke cargo and the front-end tools once everything is installed.
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// `Some("debian")` on the offline path; None means the default rustup toolchain.
    rustup_toolchain: Option<String>,
    path: String,
}

impl Toolchain {
    pub fn cargo(&self) -> Command {
        let mut cmd = Command::new("cargo");
        self.apply(&mut cmd);
        cmd
    }

    pub fn apply(&self, cmd: &mut Command) {
        cmd.env("PATH", &self.path).current_dir(root());
        // A clean clone in CI compiles everything once: incremental caches would only cost time
        // and disk.
        if std::env::var_os("CI").is_some() {
            cmd.env("CARGO_INCREMENTAL", "0");
        }
        if let Some(tc) = &self.rustup_toolchain {
            cmd.env("RUSTUP_TOOLCHAIN", tc);
        }
    }
}

/// Makes sure every tool is present. `for_tests` adds Chromium for the browser tests.
pub fn ensure(for_tests: bool) -> Result<Toolchain> {
    let rustup_toolchain = ensure_rust_with_wasm()?;
    let path = search_path();
    let toolchain = Toolchain {
        rustup_toolchain,
        path,
    };
    ensure_apt(NATIVE_PACKAGES, has_pkg_config_lib)?;
    ensure_npm_packages(&toolchain)?;
    ensure_cargo_leptos(&toolchain)?;
    ensure_wasm_bindgen(&toolchain)?;
    if for_tests {
        ensure_sqlx_cli(&toolchain)?;
        ensure_chromium()?;
    }
    Ok(toolchain)
}

fn search_path() -> String {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let node_bin = root().join("node_modules/.bin");
    let cargo_bin = PathBuf::from(home).join(".cargo/bin");
    let current = std::env::var("PATH").unwrap_or_default();
    format!("{}:{}:{current}", node_bin.display(), cargo_bin.display())
}

/// Returns the rustup toolchain to use, installing the wasm32 target on whichever path works here.
fn ensure_rust_with_wasm() -> Result<Option<String>> {
    // rustup's proxy exports RUSTUP_TOOLCHAIN to what it starts, so this is the toolchain that ran
    // `cargo xtask`, chosen or not: use it when it can build wasm, otherwise look further.
    if let Ok(tc) = std::env::var("RUSTUP_TOOLCHAIN") {
        if is_usable(Some(&tc)) {
            return Ok(Some(tc));
        }
    }
    if is_usable(None) {
        return Ok(None);
    }
    if has_wasm_std(Some("debian")) && debian_wasm_std_is_current() {
        return Ok(Some("debian".into()));
    }
    if succeeds(Command::new("rustup").arg("--version"))
        && is_recent(None)
        && succeeds(with_timeout(120, "rustup").args(["target", "add", WASM_TARGET]))
        && has_wasm_std(None)
    {
        return Ok(None);
    }
    eprintln!("xtask: rustup cannot add {WASM_TARGET} here; using Debian's Rust with a wasm32 std built once");
    install_debian_rust()?;
    build_debian_wasm_std()?;
    Ok(Some("debian".into()))
}

fn is_usable(toolchain: Option<&str>) -> bool {
    is_recent(toolchain) && has_wasm_std(toolchain)
}

/// True when the toolchain's rustc is at least [`MIN_RUSTC`].
fn is_recent(toolchain: Option<&str>) -> bool {
    let mut cmd = Command::new("rustc");
    if let Some(tc) = toolchain {
        cmd.env("RUSTUP_TOOLCHAIN", tc);
    }
    output(cmd.arg("--version"))
        .and_then(|v| parse_rustc_version(&v))
        .is_some_and(|version| version >= MIN_RUSTC)
}

/// `rustc 1.96.0 (… 2026-…)` → (1, 96).
fn parse_rustc_version(text: &str) -> Option<(u32, u32)> {
    let mut numbers = text.split_whitespace().nth(1)?.split('.');
    Some((numbers.next()?.parse().ok()?, numbers.next()?.parse().ok()?))
}

fn sysroot(toolchain: Option<&str>) -> Option<PathBuf> {
    let mut cmd = Command::new("rustc");
    if let Some(tc) = toolchain {
        cmd.env("RUSTUP_TOOLCHAIN", tc);
    }
    output(cmd.args(["--print", "sysroot"])).map(PathBuf::from)
}

fn wasm_lib_dir(sysroot: &Path) -> PathBuf {
    sysroot.join("lib/rustlib").join(WASM_TARGET).join("lib")
}

fn has_wasm_std(toolchain: Option<&str>) -> bool {
    let Some(sysroot) = sysroot(toolchain) else {
        return false;
    };
    std::fs::read_dir(wasm_lib_dir(&sysroot))
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
        })
        .unwrap_or(false)
}

fn debian_rustc_version() -> Option<String> {
    output(
        Command::new("rustc")
            .env("RUSTUP_TOOLCHAIN", "debian")
            .arg("--version"),
    )
}

fn stamp_path() -> Option<PathBuf> {
    sysroot(Some("debian")).map(|s| wasm_lib_dir(&s).join(".lectern-stamp"))
}

/// The std copied into Debian's sysroot only fits the rustc it was built by.
fn debian_wasm_std_is_current() -> bool {
    let (Some(stamp), Some(version)) = (stamp_path(), debian_rustc_version()) else {
        return false;
    };
    std::fs::read_to_string(stamp)
        .map(|s| s.trim() == version)
        .unwrap_or(false)
}

fn install_debian_rust() -> Result {
    if debian_rustc_version().is_none() {
        apt_install(DEBIAN_RUST_PACKAGES)?;
        proc::run(Command::new("rustup").args(["toolchain", "link", "debian", "/usr"]))?;
    }
    Ok(())
}

fn build_debian_wasm_std() -> Result {
    let scratch = std::env::temp_dir().join("lectern-wasm-std");
    std::fs::create_dir_all(scratch.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(
        scratch.join("Cargo.toml"),
        "[package]\nname = \"wasmstd\"\nversion = \"0.0.0\"\nedition = \"2021\"\n[lib]\ncrate-type = [\"cdylib\"]\n[workspace]\n",
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(scratch.join("src/lib.rs"), "").map_err(|e| e.to_string())?;
    proc::run(
        Command::new("cargo")
            .current_dir(&scratch)
            .env("RUSTUP_TOOLCHAIN", "debian")
            .env("RUSTC_BOOTSTRAP", "1")
            // Keeps LTO working when the release wasm links against these rlibs.
            .env("RUSTFLAGS", "-Cembed-bitcode=yes")
            .args([
                "build",
                "--release",
                "--target",
                WASM_TARGET,
                "-Zbuild-std=std,panic_abort",
            ]),
    )?;
    let sysroot = sysroot(Some("debian")).ok_or("cannot find Debian's Rust sysroot")?;
    let dest = wasm_lib_dir(&sysroot);
    std::fs::create_dir_all(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let built = scratch
        .join("target")
        .join(WASM_TARGET)
        .join("release/deps");
    for entry in std::fs::read_dir(&built)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("lib") && name.ends_with(".rlib") {
            std::fs::copy(entry.path(), dest.join(&*name)).map_err(|e| e.to_string())?;
        }
    }
    let version = debian_rustc_version().unwrap_or_default();
    let stamp = stamp_path().ok_or("cannot find Debian's Rust sysroot")?;
    std::fs::write(stamp, version).map_err(|e| e.to_string())
}

fn apt_install(packages: &[&str]) -> Result {
    if !is_root() {
        return Err(format!(
            "please install these Debian packages (or their equivalent): {}",
            packages.join(" ")
        ));
    }
    proc::run(with_timeout(600, "apt-get").arg("update").arg("-q"))?;
    proc::run(
        with_timeout(1800, "apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-q"])
            .args(packages),
    )
}

fn ensure_apt(packages: &[&str], present: impl Fn(&str) -> bool) -> Result {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !present(p)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        apt_install(&missing)
    }
}

fn has_pkg_config_lib(package: &str) -> bool {
    match package {
        "pkg-config" => succeeds(Command::new("pkg-config").arg("--version")),
        "libssl-dev" => succeeds(Command::new("pkg-config").args(["--exists", "openssl"])),
        other => succeeds(Command::new("dpkg").args(["-s", other])),
    }
}

/// `npm install` rather than `npm ci`: npm's optional-dependency bug (npm/cli#4828) makes `ci`
/// refuse lock files that lack other platforms' binaries, such as Tailwind's. `install` still
/// follows the lock file.
fn ensure_npm_packages(toolchain: &Toolchain) -> Result {
    let root = root();
    let stamp = root.join("node_modules/.lectern-installed");
    let newest_manifest = [root.join("package.json"), root.join("package-lock.json")]
        .iter()
        .filter_map(|p| modified(p))
        .max();
    if let (Some(installed), Some(manifest)) = (modified(&stamp), newest_manifest) {
        if installed >= manifest {
            return Ok(());
        }
    }
    let mut cmd = with_timeout(900, "npm");
    toolchain.apply(&mut cmd);
    proc::run(cmd.args(["install", "--no-audit", "--no-fund"]))?;
    std::fs::write(&stamp, "").map_err(|e| format!("{}: {e}", stamp.display()))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// cargo-leptos downloads tools it cannot find; these variables make it a quick, offline-safe install.
fn install_crate(toolchain: &Toolchain, args: &[&str]) -> Result {
    let mut cmd = toolchain.cargo();
    cmd.env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .arg("install")
        .args(args);
    proc::run(&mut cmd)
}

fn tool_version(toolchain: &Toolchain, program: &str, args: &[&str]) -> Option<String> {
    let mut cmd = Command::new(program);
    toolchain.apply(&mut cmd);
    output(cmd.args(args))
}

fn ensure_cargo_leptos(toolchain: &Toolchain) -> Result {
    let version = tool_version(toolchain, "cargo-leptos", &["--version"]);
    if version.is_some_and(|v| v.contains(CARGO_LEPTOS_VERSION)) {
        return Ok(());
    }
    install_crate(
        toolchain,
        &[
            "cargo-leptos",
            "--version",
            CARGO_LEPTOS_VERSION,
            "--locked",
        ],
    )
}

/// `cargo sqlx prepare --check` keeps the committed `.sqlx/` query data in step with the queries.
fn ensure_sqlx_cli(toolchain: &Toolchain) -> Result {
    let wanted = locked_version("sqlx")?;
    let version = tool_version(toolchain, "sqlx", &["--version"]);
    if version.is_some_and(|v| v.split_whitespace().nth(1) == Some(wanted.as_str())) {
        return Ok(());
    }
    install_crate(
        toolchain,
        &[
            "sqlx-cli",
            "--version",
            &wanted,
            "--locked",
            "--no-default-features",
            "--features",
            "postgres,rustls",
        ],
    )
}

/// The CLI must be exactly the version of the `wasm-bindgen` crate in Cargo.lock.
fn ensure_wasm_bindgen(toolchain: &Toolchain) -> Result {
    let wanted = locked_version("wasm-bindgen")?;
    let version = tool_version(toolchain, "wasm-bindgen", &["--version"]);
    if version.is_some_and(|v| v.split_whitespace().nth(1) == Some(wanted.as_str())) {
        return Ok(());
    }
    // Not --locked: its lock file pins a webpki-roots release that some registries lack.
    install_crate(toolchain, &["wasm-bindgen-cli", "--version", &wanted])
}

fn locked_version(krate: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let needle = format!("name = \"{krate}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .ok_or(format!("{krate} is not in Cargo.lock"))?
        + needle.len();
    let rest = &lock[start..];
    Ok(rest[..rest.find('"').unwrap_or(0)].to_string())
}

/// The Python tools that check the API's contract, pinned, in a virtual environment of the project.
const PYTHON_TOOLS: &[&str] = &[
    "schemathesis==4.32.5",
    "openapi-spec-validator==0.9.0",
    "standardwebhooks==1.1.0",
];

/// Creates `.lectern/venv` with [`PYTHON_TOOLS`] unless it has them already; returns its path.
pub fn ensure_python_tools() -> Result<PathBuf> {
    let venv = root().join(".lectern/venv");
    let stamp = venv.join(".lectern-tools");
    let wanted = PYTHON_TOOLS.join(" ");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(venv);
    }
    proc::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    proc::run(
        with_timeout(900, &venv.join("bin/pip").to_string_lossy())
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(PYTHON_TOOLS),
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(venv)
}

pub fn chromium_path() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("CHROMIUM_PATH") {
        return Some(PathBuf::from(path));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn ensure_chromium() -> Result {
    if chromium_path().is_some() {
        return Ok(());
    }
    apt_install(&["chromium"])
}

#[cfg(test)]
mod tests {
    use super::parse_rustc_version;

    #[test]
    fn rustc_versions_are_read_from_the_version_line() {
        assert_eq!(
            parse_rustc_version("rustc 1.95.0 (59807616e 2026-04-14)"),
            Some((1, 95))
        );
        assert_eq!(parse_rustc_version("rustc 1.96.1"), Some((1, 96)));
        assert_eq!(parse_rustc_version("nonsense"), None);
    }
}
