//! Imports arbitrary bytes as a FEIDEGGER-style JSON catalogue: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    vitrine_fuzz_support::import(data, "feidegger.json");
});

#[path = "../support.rs"]
mod vitrine_fuzz_support;
