//! A workbook offered for XLSForm import (a file from anywhere), read and
//! converted as `outpost form import` does: refused or converted, never a
//! panic, never unbounded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_report::xlsform;

fuzz_target!(
    init: {
        // A panic the reader catches (and turns into a refusal) is not a
        // crash: only one that escapes is.
        std::panic::set_hook(Box::new(|info| eprintln!("{info}")));
    },
    |bytes: &[u8]| {
    let Ok(book) = xlsform::read_workbook(bytes) else {
        return;
    };
    let _ = xlsform::convert(&book, "fuzzed");
});
