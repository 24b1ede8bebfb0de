//! Makes every vitrine binary (app, tests, benchmarks) find libtorch at run time without
//! environment variables: the libtorch folder named by `LIBTORCH` (set in `.cargo/config.toml`
//! to the project-local copy that `scripts/setup.sh` installs) is baked in as an rpath, and the
//! folder is passed to the code, which opens libtorch's CUDA library from it when a GPU is there.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=build.rs");
    // `libtorch_cuda`: this libtorch ships its CUDA library (tests that need it are ignored,
    // with the reason, where it does not).
    println!("cargo::rustc-check-cfg=cfg(libtorch_cuda)");
    let Some(libtorch) = std::env::var_os("LIBTORCH") else {
        return;
    };
    let lib_dir = PathBuf::from(libtorch).join("lib");
    // The canonical path matters: libtorch's own libraries find their CUDA companions through
    // `$ORIGIN`-relative run paths, which must resolve inside the real installation.
    let lib_dir = std::fs::canonicalize(&lib_dir).unwrap_or(lib_dir);
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    // libtorch_cuda is not linked (nothing calls into it, and --as-needed drops it): loading it
    // costs ~270 MiB even without a GPU. `vision::cuda::load_backend` opens it from here at
    // start-up on machines with an NVIDIA driver.
    if lib_dir.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-cfg=libtorch_cuda");
        println!(
            "cargo:rustc-env=VITRINE_TORCH_LIB_DIR={}",
            lib_dir.display()
        );
    }
}
