fn main() {
    let _ = tch::Device::cuda_if_available();
}
