//! libtorch's CUDA backend is opened at run time, not linked: forcing the load on any machine
//! must register the CUDA kernels and device hooks with libtorch (a CUDA tensor then fails for
//! want of a GPU or driver, not for want of a CUDA backend), and leave the CPU working.
//! With a CPU-only libtorch (no `libtorch_cuda.so`, found when building) the test is ignored
//! and listed as such.

use tch::{Device, Kind, Tensor};
use vitrine::vision::cuda::{load_backend, CudaBackend};

/// The error libtorch gives for a CUDA tensor (empty when one could be made).
fn cuda_tensor_error() -> String {
    match Tensor::f_zeros([2], (Kind::Float, Device::Cuda(0))) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

const NO_BACKEND: &str = "from the 'CUDA' backend";

#[test]
#[cfg_attr(
    not(libtorch_cuda),
    ignore = "this libtorch is a CPU-only build: it has no CUDA library to load"
)]
fn forced_load_registers_the_cuda_backend() {
    // Not linked: libtorch has no CUDA kernels at all before the load.
    let before = cuda_tensor_error();
    assert!(before.contains(NO_BACKEND), "before loading: {before}");
    // SAFETY: the only test in this binary; no other thread reads the environment.
    unsafe { std::env::set_var("VITRINE_CUDA", "1") };
    match load_backend().clone() {
        CudaBackend::Loaded(path) => {
            assert!(path.ends_with("libtorch_cuda.so"), "{}", path.display());
            assert_eq!(
                load_backend(),
                &CudaBackend::Loaded(path.clone()),
                "loaded once"
            );
            let after = cuda_tensor_error();
            // With a GPU the tensor is made; without one the CUDA hooks answer for the driver.
            assert!(!after.contains(NO_BACKEND), "after loading: {after}");
        }
        other => panic!("forced load did not open libtorch_cuda: {other:?}"),
    }
    let cpu = Tensor::ones([3], (Kind::Float, Device::Cpu)).sum(Kind::Float);
    assert_eq!(cpu.double_value(&[]), 3.0);
}
