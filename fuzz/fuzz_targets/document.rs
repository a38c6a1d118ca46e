//! A report document from elsewhere, read as a hub or a device reads one:
//! loaded, its shape checked, rendered, its answers validated and read back.
//! Anything may come in; nothing may panic, hang or run out of memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_report::validate::{Completeness, validate_answers};
use outpost_report::{Catalog, Lang, ReportDoc, Timestamp, readback};

fuzz_target!(
    init: {
        // Panics the code under test catches (automerge's decoder panics on
        // some malformed bytes, which the reader turns into a refusal) are
        // not crashes: only a panic that escapes is. libfuzzer-sys's own
        // hook would abort on the caught ones too.
        std::panic::set_hook(Box::new(|info| eprintln!("{info}")));
    },
    |bytes: &[u8]| {
    let Ok(mut doc) = ReportDoc::load(bytes) else {
        return;
    };
    // A document out of shape is refused before anything else reads it.
    let Ok(_facts) = doc.facts() else {
        return;
    };
    let _ = doc.to_json();
    let _ = doc.conflicts();
    let _ = doc.photos();
    let _ = doc.comments();
    let catalog = Catalog::builtin();
    if let Some(form) = catalog.get(&doc.form_id()) {
        let now = Timestamp::from_millis(1_777_593_600_000);
        for lang in Lang::ALL {
            let _ = validate_answers(form, &doc.answers(), now, lang, Completeness::Complete);
            let _ = readback::sections(form, &doc, lang);
            let _ = doc.title(form, lang);
        }
    }
});
