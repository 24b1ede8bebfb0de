//! The PyTorch side of `bench --compare`: `scripts/bench_pytorch.py`, run with the setup's
//! Python, one group of rows per process so that the two sides can alternate.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// How the PyTorch script is run.
pub(super) struct PyTorchSide {
    pub python: PathBuf,
    pub threads: i32,
    pub decode_threads: usize,
    pub photos: usize,
    pub steps: usize,
}

/// The setup's Python: `$VITRINE_DEPS_DIR/venv`, next to the libtorch this binary was built
/// against, or the repository's `.deps/venv` (see `scripts/setup.sh`).
pub(super) fn find_python(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    let mut deps_dirs: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("VITRINE_DEPS_DIR") {
        deps_dirs.push(dir.into());
    }
    if let Some(libtorch) = option_env!("LIBTORCH") {
        if let Some(parent) = Path::new(libtorch).parent() {
            deps_dirs.push(parent.to_path_buf());
        }
    }
    deps_dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(".deps"));
    deps_dirs
        .into_iter()
        .map(|d| d.join("venv").join("bin").join("python"))
        .find(|p| p.is_file())
}

impl PyTorchSide {
    /// Runs the rows `only` (the script's `--only`); `Err` says in words why there are no
    /// PyTorch figures.
    pub(super) fn run(&self, only: &str) -> Result<Value, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench_pytorch.py");
        let photos = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/images");
        let output = Command::new(&self.python)
            .arg(&script)
            .args(["--threads", &self.threads.to_string()])
            .args(["--decode-threads", &self.decode_threads.to_string()])
            .args(["--count", &self.photos.to_string()])
            .args(["--steps", &self.steps.to_string()])
            .args(["--only", only])
            .arg("--photos")
            .arg(&photos)
            .output()
            .map_err(|e| format!("{} cannot be run: {e}", self.python.display()))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().last().unwrap_or("no message");
            return Err(format!(
                "the PyTorch script failed ({}): {last}",
                output.status
            ));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout.lines().last().unwrap_or_default();
        serde_json::from_str(line).map_err(|e| format!("the PyTorch script printed no JSON ({e})"))
    }
}

/// The number at `path` in the script's output.
pub(super) fn get(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_f64()
}
