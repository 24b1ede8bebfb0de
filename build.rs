//! Makes every vitrine binary (app, tests, benchmarks) find libtorch at run time without
//! environment variables: the libtorch folder named by `LIBTORCH` (set in `.cargo/config.toml`
//! to the project-local copy that `scripts/setup.sh` installs) is baked in as an rpath.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=build.rs");
    let Some(libtorch) = std::env::var_os("LIBTORCH") else {
        return;
    };
    let lib_dir = PathBuf::from(libtorch).join("lib");
    // The canonical path matters: libtorch's own libraries find their CUDA companions through
    // `$ORIGIN`-relative run paths, which must resolve inside the real installation.
    let lib_dir = std::fs::canonicalize(&lib_dir).unwrap_or(lib_dir);
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    // Nothing in vitrine calls into libtorch_cuda directly, so the linker's --as-needed would
    // drop it and CUDA would never be found; keep it linked when the wheel ships it.
    if lib_dir.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
