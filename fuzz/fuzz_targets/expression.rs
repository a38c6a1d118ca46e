//! A form-logic expression (`relevant`, `constraint`, `calculation`, …) as
//! a form file from elsewhere may hold it: parsed, and when it parses,
//! evaluated over a report's answers. Nothing may panic, hang or blow up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_report::logic::{Answers, Expression};

fuzz_target!(
    init: {
        std::panic::set_hook(Box::new(|info| eprintln!("{info}")));
    },
    |bytes: &[u8]| {
        let Ok(source) = std::str::from_utf8(bytes) else {
            return;
        };
        let Ok(expression) = Expression::parse(source) else {
            return;
        };
        let serde_json::Value::Object(answers) = serde_json::json!({
            "age": 34, "name": "Aminata", "needs": ["food", "water"],
            "visited": "2026-11-20", "blank": "", "ratio": 2.5,
        }) else {
            return;
        };
        let current = serde_json::json!("ML-0042");
        let scope = Answers {
            answers: &answers,
            current: Some(&current),
            now: "2026-12-01T08:30:00Z".into(),
        };
        let _ = expression.evaluate(&scope).text();
        let _ = expression.fields();
    }
);
