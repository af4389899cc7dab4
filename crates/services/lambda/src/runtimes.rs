//! Which Lambda runtimes this host can run, and with which interpreter.
//!
//! `python3.8`-`python3.14` run on the host's Python (`python3.N` if installed, else
//! `python3`), `nodejs16.x`-`nodejs24.x` on the host's `node`, and `provided*` run the
//! package's own `bootstrap`. `--runtime ID=PATH` overrides the interpreter of one runtime.
//! Interpreters are looked up once, on first use, so that start-up stays fast.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::errors::{invalid_parameter, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Python,
    Node,
    Provided,
}

/// A runtime this host runs.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub id: String,
    pub family: Family,
    /// The interpreter (none for `provided*`).
    pub interpreter: Option<PathBuf>,
    /// The interpreter's own version, e.g. `3.11` or `v20.20.2`.
    pub host_version: String,
}

const PYTHON: &[&str] = &[
    "python3.8",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
];
const NODE: &[&str] = &[
    "nodejs16.x",
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "nodejs24.x",
];
const PROVIDED: &[&str] = &["provided", "provided.al2", "provided.al2023"];
/// Runtimes AWS no longer lets anyone create or update functions with.
const DEPRECATED: &[&str] = &[
    "python2.7",
    "python3.6",
    "python3.7",
    "nodejs",
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "ruby2.5",
    "ruby2.7",
    "go1.x",
    "java8",
];

pub fn family_of(id: &str) -> Option<Family> {
    if PYTHON.contains(&id) {
        Some(Family::Python)
    } else if NODE.contains(&id) {
        Some(Family::Node)
    } else if PROVIDED.contains(&id) {
        Some(Family::Provided)
    } else {
        None
    }
}

/// The runtimes of this host, found on first use.
pub struct Runtimes {
    overrides: Vec<(String, PathBuf)>,
    found: OnceLock<BTreeMap<String, Resolved>>,
}

impl Runtimes {
    pub fn new(overrides: Vec<(String, PathBuf)>) -> Runtimes {
        Runtimes {
            overrides,
            found: OnceLock::new(),
        }
    }

    fn all(&self) -> &BTreeMap<String, Resolved> {
        self.found.get_or_init(|| {
            let found = detect(&self.overrides);
            for r in found.values() {
                tracing::info!(runtime = %r.id, interpreter = ?r.interpreter, version = %r.host_version, "lambda runtime");
            }
            found
        })
    }

    /// The runtime `id`, or the error CreateFunction answers for it.
    pub fn resolve(&self, id: &str) -> Result<Resolved> {
        if DEPRECATED.contains(&id) {
            return Err(invalid_parameter(format!(
                "The runtime parameter of {id} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
            )));
        }
        if let Some(r) = self.all().get(id) {
            return Ok(r.clone());
        }
        let why = match family_of(id) {
            Some(Family::Python) => format!("no {id} or python3 interpreter was found"),
            Some(Family::Node) => "no node interpreter was found".to_string(),
            Some(Family::Provided) => unreachable_provided(),
            None => format!("nimbus runs Python, Node.js and custom (provided) runtimes; {id} is not one of them"),
        };
        Err(invalid_parameter(format!(
            "The runtime {id} is not available on this nimbus host: {why}. Available here: {}. Point one at an interpreter with `nimbus serve --runtime {id}=/path/to/interpreter`.",
            self.describe()
        )))
    }

    /// `python3.8-3.14 (python3 3.11 at /usr/bin/python3), ...` for messages and the health page.
    pub fn describe(&self) -> String {
        let all = self.all();
        let mut parts = Vec::new();
        for (family, ids) in [(Family::Python, PYTHON), (Family::Node, NODE)] {
            let available: Vec<&Resolved> = ids.iter().filter_map(|id| all.get(*id)).collect();
            if let (Some(first), Some(last)) = (available.first(), available.last()) {
                let interp = first
                    .interpreter
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                let name = if family == Family::Python {
                    "python"
                } else {
                    "node"
                };
                parts.push(format!(
                    "{}..{} ({name} {} at {interp})",
                    first.id, last.id, first.host_version
                ));
            }
        }
        parts.push(PROVIDED.join(", "));
        parts.join("; ")
    }
}

fn unreachable_provided() -> String {
    "custom runtimes need no interpreter".to_string()
}

/// Directories searched for interpreters: the usual system ones first, then `PATH`. Version
/// managers' shim directories (pyenv, asdf) are skipped: a shim answers for versions that are
/// not installed and needs the manager's environment, which a sandbox does not have.
fn search_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = ["/usr/local/bin", "/usr/bin", "/bin"]
        .iter()
        .map(PathBuf::from)
        .collect();
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if !dirs.contains(&d) && !d.to_string_lossy().contains("shims") {
                dirs.push(d);
            }
        }
    }
    dirs
}

fn find(name: &str) -> Option<PathBuf> {
    search_dirs()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn version_of(interpreter: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(interpreter)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn detect(overrides: &[(String, PathBuf)]) -> BTreeMap<String, Resolved> {
    let mut out = BTreeMap::new();
    let python3 = find("python3");
    let python3_version = python3.as_ref().and_then(|p| {
        version_of(
            p,
            &["-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        )
    });
    for id in PYTHON {
        let exact = find(id);
        let (interpreter, version) = match (exact, &python3) {
            (Some(p), _) => (p, id.trim_start_matches("python").to_string()),
            (None, Some(p)) => (p.clone(), python3_version.clone().unwrap_or_default()),
            (None, None) => continue,
        };
        out.insert(
            id.to_string(),
            Resolved {
                id: id.to_string(),
                family: Family::Python,
                interpreter: Some(interpreter),
                host_version: version,
            },
        );
    }
    if let Some(node) = find("node") {
        let version = version_of(&node, &["--version"]).unwrap_or_default();
        for id in NODE {
            out.insert(
                id.to_string(),
                Resolved {
                    id: id.to_string(),
                    family: Family::Node,
                    interpreter: Some(node.clone()),
                    host_version: version.clone(),
                },
            );
        }
    }
    for id in PROVIDED {
        out.insert(
            id.to_string(),
            Resolved {
                id: id.to_string(),
                family: Family::Provided,
                interpreter: None,
                host_version: String::new(),
            },
        );
    }
    for (id, path) in overrides {
        let Some(family) = family_of(id) else {
            tracing::warn!(runtime = %id, "--runtime names a runtime nimbus does not run; ignored");
            continue;
        };
        let version = match family {
            Family::Python => version_of(
                path,
                &["-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            ),
            Family::Node => version_of(path, &["--version"]),
            Family::Provided => Some(String::new()),
        };
        match version {
            Some(v) => {
                out.insert(
                    id.clone(),
                    Resolved {
                        id: id.clone(),
                        family,
                        interpreter: Some(path.clone()),
                        host_version: v,
                    },
                );
            }
            None => {
                tracing::warn!(runtime = %id, path = %path.display(), "the interpreter given with --runtime does not run; ignored")
            }
        }
    }
    out
}
