//! Loading libtorch's CUDA backend only where an NVIDIA GPU can be used.
//!
//! libtorch's CUDA library and the CUDA libraries it pulls in (cuBLAS, cuDNN, NVRTC…) cost
//! about 270 MiB of resident memory the moment they load, GPU or not. The binaries are linked
//! without it, and [`load_backend`] opens it when vitrine first chooses a device ([`device`]),
//! if the machine has an NVIDIA driver: its static initialisers register the CUDA kernels and device hooks with libtorch, exactly
//! as when it is linked, and `tch::Device::cuda_if_available()` then sees the GPU.

use std::path::{Path, PathBuf};

/// Where the libtorch the binaries were built with keeps its libraries (set by `build.rs`).
const TORCH_LIB_DIR: Option<&str> = option_env!("VITRINE_TORCH_LIB_DIR");

/// What [`load_backend`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CudaBackend {
    /// Opened from this file.
    Loaded(PathBuf),
    /// Not opened: no NVIDIA driver on this machine, or `VITRINE_CUDA=0`.
    NotWanted,
    /// This libtorch has no CUDA library (a CPU-only build).
    NotShipped,
    /// The library is there but could not be opened (the loader's words).
    Failed(String),
}

/// Whether the machine looks able to run CUDA: the NVIDIA kernel driver (or WSL's GPU bridge)
/// is there. `VITRINE_CUDA=1` forces the load, `VITRINE_CUDA=0` turns it off.
fn wanted() -> bool {
    match std::env::var("VITRINE_CUDA").as_deref() {
        Ok("0") | Ok("off") => false,
        Ok("1") | Ok("on") => true,
        _ => ["/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/dxg"]
            .iter()
            .any(|p| Path::new(p).exists()),
    }
}

/// Opens libtorch's CUDA library when the machine can use it, once per process (later calls
/// return the first outcome); the outcome is logged. [`device`] calls it, so every path that
/// chooses a device sees a GPU as if the library were linked.
pub fn load_backend() -> &'static CudaBackend {
    static LOADED: std::sync::OnceLock<CudaBackend> = std::sync::OnceLock::new();
    LOADED.get_or_init(|| {
        let outcome = if !wanted() {
            CudaBackend::NotWanted
        } else {
            match TORCH_LIB_DIR.map(|d| Path::new(d).join("libtorch_cuda.so")) {
                Some(path) if path.exists() => open(&path),
                _ => CudaBackend::NotShipped,
            }
        };
        log_outcome(&outcome);
        outcome
    })
}

/// The device to train and embed on: the first GPU when libtorch's CUDA backend is loaded and
/// sees one, the CPU otherwise.
pub fn device() -> tch::Device {
    load_backend();
    tch::Device::cuda_if_available()
}

fn log_outcome(outcome: &CudaBackend) {
    match outcome {
        CudaBackend::Loaded(path) => log::info!("CUDA backend loaded from {}", path.display()),
        CudaBackend::NotWanted => log::debug!("no NVIDIA driver here: CUDA backend not loaded"),
        CudaBackend::NotShipped => log::debug!("this libtorch has no CUDA backend"),
        CudaBackend::Failed(why) => {
            log::warn!(
                "an NVIDIA driver is present but libtorch's CUDA backend did not load, so \
                 training runs on the CPU: {why}"
            )
        }
    }
}

#[cfg(unix)]
fn open(path: &Path) -> CudaBackend {
    use std::os::unix::ffi::OsStrExt;
    let Ok(name) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return CudaBackend::Failed(format!("{} is not a usable file name", path.display()));
    };
    // SAFETY: dlopen with a NUL-terminated path; the handle is kept for the whole process
    // (never closed), so the registered kernels stay valid. RTLD_GLOBAL lets the CUDA
    // libraries it opens resolve libtorch's symbols as when linked.
    let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_LAZY | libc::RTLD_GLOBAL) };
    if handle.is_null() {
        // SAFETY: dlerror returns NULL or a NUL-terminated message owned by the loader.
        let message = unsafe {
            let e = libc::dlerror();
            if e.is_null() {
                "unknown error".to_string()
            } else {
                std::ffi::CStr::from_ptr(e).to_string_lossy().into_owned()
            }
        };
        return CudaBackend::Failed(message);
    }
    CudaBackend::Loaded(path.to_path_buf())
}

#[cfg(not(unix))]
fn open(path: &Path) -> CudaBackend {
    CudaBackend::Failed(format!(
        "{} cannot be opened on this system",
        path.display()
    ))
}
