//! Runs the Java programs of `tests/java/` against Bouncy Castle: each program is compiled
//! with `javac` into a temporary directory, against the jars Debian installs in
//! `/usr/share/java` (`libbcprov-java`, `libbcpkix-java`, `libbcutil-java`, `libbcmail-java`).
//! A missing `javac` or jar fails the test: interop tests are never skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The Bouncy Castle jars the programs compile and run against.
pub const BC_JARS: [&str; 4] = [
    "/usr/share/java/bcprov.jar",
    "/usr/share/java/bcpkix.jar",
    "/usr/share/java/bcutil.jar",
    "/usr/share/java/bcmail.jar",
];

/// A compiled Java program: its class directory (deleted on drop) and main class.
pub struct JavaProgram {
    classes: tempfile::TempDir,
    main: String,
}

/// What one run of a program gave.
#[derive(Debug)]
pub struct JavaRun {
    /// Whether the program exited with status 0.
    pub success: bool,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

fn class_path(extra: &Path) -> String {
    let mut parts = vec![extra.to_string_lossy().into_owned()];
    parts.extend(BC_JARS.iter().map(|j| j.to_string()));
    parts.join(":")
}

impl JavaProgram {
    /// Compiles `tests/java/<main>.java`; panics with the compiler's output if that fails.
    pub fn compile(main: &str) -> JavaProgram {
        for jar in BC_JARS {
            assert!(
                Path::new(jar).exists(),
                "{jar} is missing: install Debian's Bouncy Castle packages"
            );
        }
        let source: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "java"]
            .iter()
            .collect::<PathBuf>()
            .join(format!("{main}.java"));
        let classes = tempfile::tempdir().expect("temp dir");
        let out = Command::new("javac")
            .arg("-nowarn")
            .arg("-d")
            .arg(classes.path())
            .arg("-cp")
            .arg(class_path(classes.path()))
            .arg(&source)
            .output()
            .unwrap_or_else(|e| panic!("cannot run javac: {e}"));
        assert!(
            out.status.success(),
            "javac {} failed:\n{}{}",
            source.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        JavaProgram {
            classes,
            main: main.to_string(),
        }
    }

    /// Runs the program with `args` in directory `dir`.
    pub fn run(&self, args: &[&str], dir: &Path) -> JavaRun {
        let out: Output = Command::new("java")
            .arg("-cp")
            .arg(class_path(self.classes.path()))
            .arg(&self.main)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run java: {e}"));
        JavaRun {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs the program and panics unless it exits with status 0; its standard output.
    pub fn run_ok(&self, args: &[&str], dir: &Path) -> String {
        let run = self.run(args, dir);
        assert!(
            run.success,
            "java {} {} failed:\n{}{}",
            self.main,
            args.join(" "),
            run.stdout,
            run.stderr
        );
        run.stdout
    }
}
