//! A form definition (an organisation's own form file), read and checked as
//! Outpost reads one, then used: its template validated and read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_report::validate::{Completeness, validate_answers};
use outpost_report::{Form, Lang, Timestamp};

fuzz_target!(
    init: {
        // Panics the code under test catches (automerge's decoder panics on
        // some malformed bytes, which the reader turns into a refusal) are
        // not crashes: only a panic that escapes is. libfuzzer-sys's own
        // hook would abort on the caught ones too.
        std::panic::set_hook(Box::new(|info| eprintln!("{info}")));
    },
    |bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(form) = Form::from_json("fuzzed", text) else {
        return;
    };
    if form.check().is_err() {
        return;
    }
    let template = form.template();
    let now = Timestamp::from_millis(1_777_593_600_000);
    for lang in Lang::ALL {
        let _ = validate_answers(&form, &template, now, lang, Completeness::Complete);
        let _ = validate_answers(&form, &template, now, lang, Completeness::Draft);
    }
});
