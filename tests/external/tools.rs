//! Running the outside tools: the OpenSSL 3 command line and pkilint.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// The OpenSSL command: `$OPENSSL` if set, else `/usr/bin/openssl` (Debian's OpenSSL 3.0).
pub fn openssl_program() -> String {
    std::env::var("OPENSSL").unwrap_or_else(|_| "/usr/bin/openssl".to_owned())
}

/// What a finished command printed, with its exit status.
pub struct Run {
    /// The command line, for messages.
    pub line: String,
    /// Whether it exited 0.
    pub success: bool,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

impl Run {
    /// Panics with everything printed unless the command exited 0; returns standard output.
    pub fn ok(self) -> String {
        assert!(
            self.success,
            "`{}` failed:\n{}\n{}",
            self.line, self.stdout, self.stderr
        );
        self.stdout
    }

    /// Panics unless the command exited non-zero; returns stdout and stderr together.
    pub fn failed(self) -> String {
        assert!(
            !self.success,
            "`{}` succeeded but must fail:\n{}\n{}",
            self.line, self.stdout, self.stderr
        );
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `program` with `args` in `dir`.
pub fn run(program: &str, args: &[&str], dir: &Path) -> Run {
    let line = format!("{program} {}", args.join(" "));
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{line}`: {e}"));
    Run {
        line,
        success: status.success(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs OpenSSL with `args` in `dir`.
pub fn openssl(args: &[&str], dir: &Path) -> Run {
    run(&openssl_program(), args, dir)
}

/// A scratch directory for the files handed to the tools; removed on drop.
pub struct Scratch {
    dir: TempDir,
}

impl Scratch {
    /// A new empty directory.
    pub fn new() -> Self {
        Self {
            dir: tempfile::Builder::new()
                .prefix("private-ca-external-")
                .tempdir()
                .expect("a temporary directory"),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `bytes` to `name` in the directory and returns the name, for argument lists.
    pub fn write<'a>(&self, name: &'a str, bytes: impl AsRef<[u8]>) -> &'a str {
        std::fs::write(self.dir.path().join(name), bytes).expect("write a scratch file");
        name
    }

    /// Writes `bytes` to `name` in the directory and returns the name.
    pub fn write_owned(&self, name: String, bytes: impl AsRef<[u8]>) -> String {
        self.write(&name, bytes);
        name
    }

    /// Reads `name` from the directory.
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(name)).expect("read a scratch file")
    }

    /// Runs OpenSSL in the directory.
    pub fn openssl(&self, args: &[&str]) -> Run {
        openssl(args, self.path())
    }
}

/// pkilint's `lint_pkix_cert`, from the virtual environment `.venv-lint` at the crate root.
///
/// `None` (after a loud message) when it is not installed and `CI` is unset, so a developer
/// without Python can still run the rest; under CI a missing pkilint fails the test.
pub fn pkilint() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-lint/bin/lint_pkix_cert");
    if path.exists() {
        return Some(path);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !ci,
        "pkilint is missing at {} and CI is set: install it with \
         `python3 -m venv .venv-lint && .venv-lint/bin/pip install pkilint==0.13.3`",
        path.display()
    );
    eprintln!(
        "\n!!!!! SKIPPING PKILINT: {} is missing. Install it with `python3 -m venv .venv-lint \
         && .venv-lint/bin/pip install pkilint==0.13.3`; under CI this is a failure. !!!!!\n",
        path.display()
    );
    None
}

/// Lints `pem` (a file name in `scratch`) with `lint_pkix_cert lint -s WARNING` and asserts a
/// clean result (exit 0, no findings), then asserts pkilint recognized the subject key
/// identifier as RFC 5280 §4.2.1.2 method 1 (an INFO finding). Does nothing when pkilint is
/// absent outside CI (see [`pkilint`]).
pub fn assert_pkilint_clean(scratch: &Scratch, pem: &str, what: &str) {
    let Some(lint) = pkilint() else { return };
    let lint = lint.to_string_lossy().into_owned();
    let warnings = run(&lint, &["lint", "-s", "WARNING", pem], scratch.path()).ok();
    assert_eq!(warnings.trim(), "", "{what}: pkilint findings");
    // Without `-s WARNING` pkilint exits 1 on informational findings, so read the text only.
    let info = run(&lint, &["lint", "-s", "INFO", pem], scratch.path());
    assert!(
        info.stdout
            .contains("pkix.subject_key_identifier_method_1_identified"),
        "{what}: pkilint did not see SKI method 1:\n{}",
        info.stdout
    );
}
