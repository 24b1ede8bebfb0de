//! Imports arbitrary bytes as a CSV catalogue (beside one real photo): must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    vitrine_fuzz_support::import(data, "shop.csv");
});

#[path = "../support.rs"]
mod vitrine_fuzz_support;
