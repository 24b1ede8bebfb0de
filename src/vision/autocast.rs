//! bf16 mixed precision for training: libtorch's autocast, for the CPU as well as CUDA.
//!
//! Inside [`bf16`], libtorch runs convolutions and matrix products in bfloat16 (weights cast
//! on the fly, once per region, from the f32 ones the optimiser keeps) and the rest as it
//! would; gradients flow back to the f32 weights. On a CPU with AVX512-BF16 this halves the
//! CPU time of a fine-tuning step of EfficientNet-Lite0. tch only wraps CUDA's autocast (in
//! f16), so the device-aware calls of libtorch (`at::autocast`, exported by libtorch_cpu) are
//! bound here directly.

use tch::Device;

/// `c10::DeviceType` values (an `int8_t` enum).
const DEVICE_CPU: i8 = 0;
const DEVICE_CUDA: i8 = 1;
/// `c10::ScalarType::BFloat16`.
const SCALAR_BF16: i8 = 15;

// The C++ functions of ATen/autocast_mode.h, by their (Itanium ABI) symbol names; their
// arguments are one-byte enums and a bool, passed as C passes them.
extern "C" {
    #[link_name = "_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE"]
    fn at_is_autocast_enabled(device: i8) -> bool;
    #[link_name = "_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb"]
    fn at_set_autocast_enabled(device: i8, enabled: bool);
    #[link_name = "_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE"]
    fn at_get_autocast_dtype(device: i8) -> i8;
    #[link_name = "_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE"]
    fn at_set_autocast_dtype(device: i8, dtype: i8);
    #[link_name = "_ZN2at8autocast17increment_nestingEv"]
    fn at_increment_nesting() -> i32;
    #[link_name = "_ZN2at8autocast17decrement_nestingEv"]
    fn at_decrement_nesting() -> i32;
    #[link_name = "_ZN2at8autocast11clear_cacheEv"]
    fn at_clear_cache();
}

/// Autocast switched on for one device type on this thread; the previous state comes back on
/// drop (also when the closure panics).
struct Region {
    device: i8,
    was_enabled: bool,
    was_dtype: i8,
}

impl Region {
    fn enter(device: i8) -> Self {
        // SAFETY: these only read and set libtorch's thread-local autocast state.
        unsafe {
            let region = Self {
                device,
                was_enabled: at_is_autocast_enabled(device),
                was_dtype: at_get_autocast_dtype(device),
            };
            at_set_autocast_dtype(device, SCALAR_BF16);
            at_set_autocast_enabled(device, true);
            at_increment_nesting();
            region
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: as in `enter`; the cast weights cached for the region are freed when the
        // outermost region ends, as PyTorch's `torch.autocast` does.
        unsafe {
            if at_decrement_nesting() == 0 {
                at_clear_cache();
            }
            at_set_autocast_enabled(self.device, self.was_enabled);
            at_set_autocast_dtype(self.device, self.was_dtype);
        }
    }
}

/// Runs `f` under bf16 autocast for `device` (CPU or CUDA; other devices run `f` as it is).
/// Tensors made inside may be bf16: cast what leaves the region to the kind the caller needs.
pub fn bf16<T>(device: Device, f: impl FnOnce() -> T) -> T {
    let device_type = match device {
        Device::Cpu => DEVICE_CPU,
        Device::Cuda(_) => DEVICE_CUDA,
        _ => return f(),
    };
    let _region = Region::enter(device_type);
    f()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Kind, Tensor};

    #[test]
    fn matrix_products_run_in_bf16_inside_and_f32_outside() {
        let a = Tensor::randn([8, 16], (Kind::Float, Device::Cpu));
        let b = Tensor::randn([16, 4], (Kind::Float, Device::Cpu));
        assert_eq!(a.matmul(&b).kind(), Kind::Float);
        let inside = bf16(Device::Cpu, || a.matmul(&b));
        assert_eq!(inside.kind(), Kind::BFloat16);
        // Additions are not cast: they keep their inputs' kind.
        assert_eq!(bf16(Device::Cpu, || &a + 1.0).kind(), Kind::Float);
        assert_eq!(
            a.matmul(&b).kind(),
            Kind::Float,
            "the region's state was restored"
        );
        let exact = a.matmul(&b);
        let diff = (inside.to_kind(Kind::Float) - &exact)
            .abs()
            .max()
            .double_value(&[]);
        let scale = exact.abs().max().double_value(&[]);
        assert!(
            diff <= scale * 0.02,
            "bf16 product off by {diff} (scale {scale})"
        );
    }

    #[test]
    fn regions_nest_and_gradients_reach_the_f32_weights() {
        let w = Tensor::randn([16, 4], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        let x = Tensor::randn([8, 16], (Kind::Float, Device::Cpu));
        let y = bf16(Device::Cpu, || bf16(Device::Cpu, || x.matmul(&w)));
        assert_eq!(y.kind(), Kind::BFloat16);
        y.to_kind(Kind::Float).sum(Kind::Float).backward();
        let grad = w.grad();
        assert_eq!(grad.kind(), Kind::Float);
        // d(sum(x w))/dw = x^T 1: the same as in f32 to bf16 rounding.
        let expected = x
            .transpose(0, 1)
            .matmul(&Tensor::ones([8, 4], (Kind::Float, Device::Cpu)));
        let diff = (&grad - &expected).abs().max().double_value(&[]);
        assert!(
            diff <= expected.abs().max().double_value(&[]) * 0.02,
            "gradient off by {diff}"
        );
    }
}
