//! The `outpost` command line, run as a user or a script would.

use std::collections::BTreeSet;

use outpost_report::{Lang, ReportDoc, i18n};
use serde_json::Value;

use crate::util::{self, outpost, run_ok, stderr, write_file};

fn create(data: &std::path::Path, kind: &str, extra: &[&str]) -> String {
    let template = run_ok(outpost(data).args(["report", "template", "--kind", kind]));
    let answers = write_file(data, &format!("{kind}.json"), template.as_bytes());
    let out = run_ok(
        outpost(data)
            .args(["report", "create", "--kind", kind, "--answers"])
            .arg(&answers)
            .args(extra),
    );
    out.trim().to_string()
}

#[test]
fn create_list_show_and_export_round_trip() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let mut ids = Vec::new();
    for kind in ["patrol", "incident", "qip"] {
        let id = create(
            data,
            kind,
            &["--classification", "confidential", "--lang", "fr"],
        );
        assert!(
            id.parse::<outpost_report::ReportId>().is_ok(),
            "create prints the new id: {id:?}"
        );
        ids.push((kind, id));
    }
    let list: Value =
        serde_json::from_str(&run_ok(outpost(data).args(["report", "list", "--json"])))
            .expect("json list");
    let listed: BTreeSet<_> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        listed,
        ids.iter().map(|(_, id)| id.clone()).collect(),
        "every created report is listed"
    );

    for (kind, id) in &ids {
        let mut show: Value = serde_json::from_str(&run_ok(
            outpost(data).args(["report", "show", id, "--json"]),
        ))
        .expect("json");
        assert_eq!(
            show["delivery"],
            serde_json::json!([]),
            "not enrolled with any hub: no delivery to report"
        );
        if let Some(o) = show.as_object_mut() {
            o.remove("delivery");
        }
        let template: Value = serde_json::from_str(&run_ok(
            outpost(data).args(["report", "template", "--kind", kind]),
        ))
        .expect("t");
        assert_eq!(
            util::written(&show["answers"]),
            template,
            "{kind}: the stored answers are the ones given"
        );
        assert_eq!(show["meta"]["classification"], "CONFIDENTIAL");
        assert_eq!(show["meta"]["language"], "fr");
        assert_eq!(show["meta"]["status"], "submitted");

        let file = data.join(format!("{id}.automerge"));
        run_ok(
            outpost(data)
                .args(["report", "export", id, "--format", "automerge", "--out"])
                .arg(&file),
        );
        let mut doc = ReportDoc::load(&std::fs::read(&file).expect("exported"))
            .expect("a standard automerge document");
        assert_eq!(
            doc.to_json(),
            show,
            "{kind}: the automerge export is the same report"
        );

        let json = run_ok(outpost(data).args(["report", "export", id, "--format", "json"]));
        assert_eq!(
            serde_json::from_str::<Value>(&json).expect("json export"),
            show
        );
    }
    let human = run_ok(outpost(data).args(["report", "show", &ids[0].1]));
    assert!(
        human.contains("Route") || human.contains("Itinéraire"),
        "the human view uses field labels:\n{human}"
    );
}

#[test]
fn output_cut_short_by_a_closed_pipe_is_not_a_crash() {
    use std::io::{BufRead, BufReader};
    // More output than a pipe buffers, so the writer does meet the closed pipe.
    let mut t = util::TestStore::new();
    let mut docs: Vec<_> = (0..400)
        .map(|n| util::template_report("incident", util::report_id(n), t.store.device_id()))
        .collect();
    t.store.save_all(&mut docs, util::T0).expect("400 reports");
    let mut child = outpost(t.path())
        .args(["report", "list", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("a line");
    // The reader is gone, as when `| head -1` exits.
    let out = child.wait_with_output().expect("ends");
    assert_eq!(first.trim(), "[");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "no panic on a closed pipe"
    );
}

#[test]
fn invalid_answers_are_refused_with_every_problem_in_the_users_language() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let answers = write_file(
        data,
        "bad.json",
        br#"{"incident_type": "alien", "occurred_at": "2099-01-01T00:00:00Z", "any_casualties": "yes", "un_killed": -2, "activity": "x"}"#,
    );
    let out = outpost(data)
        .env("OUTPOST_LANG", "fr")
        .args(["report", "create", "--kind", "incident", "--answers"])
        .arg(&answers)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "invalid answers exit with 3");
    let err = stderr(&out);
    assert!(
        err.starts_with("erreur : ") || err.starts_with("erreur:"),
        "French label: {err}"
    );
    for needle in [
        "incident_type",
        "occurred_at",
        "un_killed",
        "incident_location",
        "dans le futur",
        "au moins 0",
    ] {
        assert!(
            err.contains(needle),
            "the French error lists {needle:?}:\n{err}"
        );
    }
    assert!(!err.contains("panicked"), "{err}");
    let list = run_ok(outpost(data).args(["report", "list", "--json"]));
    assert_eq!(list.trim(), "[]", "nothing was saved");
}

#[test]
fn answers_to_questions_not_asked_are_not_kept_and_each_is_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    // The template answers an IED; the incident was direct fire after all.
    let template = run_ok(outpost(data).args(["report", "template", "--kind", "incident"]));
    let mut answers: serde_json::Value = serde_json::from_str(&template).expect("JSON");
    answers["incident_type"] = "direct_fire".into();
    let file = write_file(data, "fire.json", answers.to_string().as_bytes());
    let out = outpost(data)
        .env("OUTPOST_LANG", "en")
        .args(["report", "create", "--kind", "incident", "--answers"])
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    for (label, field) in [
        ("Device type", "ied_kind"),
        ("Device outcome", "ied_outcome"),
    ] {
        assert!(
            err.contains(&format!("Not kept: {label} ({field})")),
            "{field} named: {err}"
        );
    }
    assert_eq!(err.lines().count(), 2, "nothing else: {err}");
    let shown: serde_json::Value = serde_json::from_str(&run_ok(
        outpost(data).args(["report", "show", &id, "--json"]),
    ))
    .expect("JSON");
    let kept = &shown["answers"];
    assert!(kept.get("ied_kind").is_none_or(|v| v.is_null()), "{kept}");
    assert_eq!(kept["incident_type"], "direct_fire");
    assert_eq!(
        kept["attack_details"], answers["attack_details"],
        "an attack: kept"
    );
}

#[test]
fn bad_arguments_get_specific_messages() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let template = run_ok(outpost(data).args(["report", "template", "--kind", "patrol"]));
    let answers = write_file(data, "p.json", template.as_bytes());
    let cases: [(&[&str], &str); 4] = [
        (
            &["--kind", "patrol", "--classification", "SECRET"],
            "Unknown classification \"SECRET\"",
        ),
        (
            &["--kind", "convoy"],
            "Unknown report kind \"convoy\". Known kinds: incident, patrol, qip",
        ),
        (
            &["--kind", "patrol", "--lang", "de"],
            "Unknown language \"de\"",
        ),
        (&["--kind", "qip"], "\"route\" is not a field of this form"),
    ];
    for (args, want) in cases {
        let out = outpost(data)
            .args(["report", "create", "--answers"])
            .arg(&answers)
            .args(args)
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{args:?} must fail");
        assert!(
            stderr(&out).contains(want),
            "{args:?}: stderr should contain {want:?}:\n{}",
            stderr(&out)
        );
    }
    let garbage = write_file(data, "g.json", b"{\"route\": ");
    let out = outpost(data)
        .args(["report", "create", "--kind", "patrol", "--answers"])
        .arg(&garbage)
        .output()
        .expect("runs");
    assert!(stderr(&out).contains("not valid JSON"), "{}", stderr(&out));
    let list = write_file(data, "l.json", b"[1, 2]");
    let out = outpost(data)
        .args(["report", "create", "--kind", "patrol", "--answers"])
        .arg(&list)
        .output()
        .expect("runs");
    assert!(
        stderr(&out).contains("must be a JSON object"),
        "{}",
        stderr(&out)
    );
    let out = outpost(data)
        .args(["report", "show", &util::report_id(5).to_string()])
        .output()
        .expect("runs");
    assert!(
        stderr(&out).contains("No report with id"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn photos_are_added_deduplicated_listed_and_bad_files_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let id = create(data, "patrol", &[]);
    let photo = write_file(data, "photo.jpg", &util::jpeg(2000, 1500, 11));
    let first = run_ok(outpost(data).args(["photo", "add", &id]).arg(&photo));
    let again = run_ok(outpost(data).args(["photo", "add", &id]).arg(&photo));
    assert_eq!(first, again, "the same photo added twice is one photo");

    let show: Value = serde_json::from_str(&run_ok(
        outpost(data).args(["report", "show", &id, "--json"]),
    ))
    .expect("json");
    let photos = show["photos"].as_array().expect("photos");
    assert_eq!(photos.len(), 1);
    assert_eq!(
        show["answers"]["photos"],
        serde_json::json!([first.trim()]),
        "the photos field lists it"
    );
    let p = &photos[0];
    assert_eq!(
        (
            p["original"]["width"].as_u64(),
            p["original"]["height"].as_u64()
        ),
        (Some(2000), Some(1500))
    );
    assert!(
        p["thumbnail"]["width"].as_u64() <= Some(400)
            && p["preview"]["width"].as_u64() <= Some(1600)
    );
    let human = run_ok(outpost(data).args(["report", "show", &id]));
    for v in ["original", "preview", "thumbnail"] {
        let sha = p[v]["sha256"].as_str().expect("hash");
        assert!(human.contains(sha), "show lists the {v} hash:\n{human}");
        // Sealed on disk; its content, unsealed, is what the hash names.
        assert!(data.join("blobs").join(&sha[..2]).join(sha).exists());
        let store = outpost_store::Store::unlock(data, &util::pass(), util::T0).expect("store");
        assert_eq!(
            outpost_media::sha256_hex(&store.read_blob(sha).expect("readable")),
            sha,
            "the {v} blob is stored under its hash"
        );
    }
    let blob_files = walk(&data.join("blobs"))
        .into_iter()
        .filter(|p| !p.contains("/blobs/tmp/"))
        .count();
    assert_eq!(blob_files, 3, "three variants stored once each");

    let mut truncated = util::jpeg(800, 600, 5);
    truncated.truncate(truncated.len() / 2);
    for (name, bytes, en, fr) in [
        (
            "cut.jpg",
            truncated,
            "damaged or incomplete",
            "endommagé ou incomplet",
        ),
        (
            "notes.jpg",
            b"these are my patrol notes, not a photo".to_vec(),
            "not a photo Outpost can read",
            "n'est pas une photo",
        ),
    ] {
        let file = write_file(data, name, &bytes);
        for (lang, want) in [("en", en), ("fr", fr)] {
            let out = outpost(data)
                .env("OUTPOST_LANG", lang)
                .args(["photo", "add", &id])
                .arg(&file)
                .output()
                .expect("runs");
            assert!(!out.status.success(), "{name} is refused");
            assert!(
                stderr(&out).contains(want),
                "{name} in {lang}: {}",
                stderr(&out)
            );
            assert!(!stderr(&out).contains("panicked"));
        }
    }
    let after: Value = serde_json::from_str(&run_ok(
        outpost(data).args(["report", "show", &id, "--json"]),
    ))
    .expect("json");
    assert_eq!(
        after["photos"].as_array().map(Vec::len),
        Some(1),
        "refused files change nothing"
    );
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.to_string_lossy().to_string());
        }
    }
    out
}

#[test]
fn doctor_reports_a_missing_blob_and_rebuild_restores_the_list() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let id = create(data, "qip", &[]);
    let photo = write_file(data, "p.jpg", &util::jpeg(640, 480, 2));
    run_ok(outpost(data).args(["photo", "add", &id]).arg(&photo));
    let healthy = run_ok(outpost(data).arg("doctor"));
    assert!(healthy.contains("healthy"), "{healthy}");

    // The list is derived data: losing it loses nothing.
    let conn = outpost_store::database_connection(
        &data.join(outpost_store::DATABASE_FILE),
        &crate::util::key(data),
    )
    .expect("raw");
    conn.execute("DELETE FROM reports", [])
        .expect("drop list rows");
    drop(conn);
    let out = outpost(data).arg("doctor").output().expect("runs");
    assert!(!out.status.success(), "a stale list is reported");
    run_ok(outpost(data).args(["doctor", "--rebuild"]));
    assert!(
        run_ok(outpost(data).args(["report", "list"])).contains(&id),
        "rebuild lists the report again"
    );

    let victim = walk(&data.join("blobs"))
        .into_iter()
        .find(|p| !p.contains("/blobs/tmp/"))
        .expect("a blob file");
    std::fs::remove_file(&victim).expect("remove");
    let out = outpost(data)
        .args(["doctor", "--json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "doctor fails on a missing blob");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let name = std::path::Path::new(&victim)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    assert_eq!(
        report["missing_blobs"],
        serde_json::json!([name]),
        "the missing blob is named"
    );
}

#[test]
fn every_error_code_in_the_source_has_an_english_and_a_french_message() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut codes = BTreeSet::new();
    for file in walk(&root.join("crates"))
        .into_iter()
        .chain(walk(&root.join("src")))
        .chain(walk(&root.join("src-tauri/src")))
    {
        if !file.ends_with(".rs") || file.contains("/tests/") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source");
        for piece in text.split('"').skip(1).step_by(2) {
            let mut parts = piece.splitn(2, '.');
            let (Some(head), Some(tail)) = (parts.next(), parts.next()) else {
                continue;
            };
            let is_code = [
                "validation",
                "photo",
                "store",
                "report",
                "document",
                "auth",
                "enrol",
                "sync",
                "voice",
                "app",
                "export",
                "print",
                "policy",
            ]
            .contains(&head)
                && !tail.is_empty()
                && tail.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            if is_code {
                codes.insert(piece.to_string());
            }
        }
    }
    assert!(codes.len() > 30, "the scan finds the codes: {codes:?}");
    for code in &codes {
        for lang in Lang::ALL {
            assert!(
                i18n::has_message(lang, code),
                "{code} has no {lang} message"
            );
        }
    }
}

/// An answers file saved by an editor in another encoding got exit 1 and no
/// code; one saved with a byte order mark was refused as bad JSON.
#[test]
fn an_answers_file_that_is_not_utf8_gets_its_own_code_and_a_bom_is_accepted() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let template = run_ok(outpost(data).args(["report", "template", "--kind", "patrol"]));

    let mut latin1 = br#"{"notes": "Tombouctou, arriv"#.to_vec();
    latin1.push(0xE9); // "é" in Latin-1
    latin1.extend_from_slice(br#"e"}"#);
    let answers = write_file(data, "latin1.json", &latin1);
    let out = outpost(data)
        .args([
            "report",
            "create",
            "--kind",
            "patrol",
            "--draft",
            "--answers",
        ])
        .arg(&answers)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("[report.answers_not_utf8]") && stderr(&out).contains("UTF-8"),
        "{}",
        stderr(&out)
    );

    let missing = data.join("nowhere.json");
    let out = outpost(data)
        .args(["report", "create", "--kind", "patrol", "--answers"])
        .arg(&missing)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("[report.answers_unreadable]"),
        "{}",
        stderr(&out)
    );

    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(template.as_bytes());
    let answers = write_file(data, "bom.json", &with_bom);
    let id = run_ok(
        outpost(data)
            .args(["report", "create", "--kind", "patrol", "--answers"])
            .arg(&answers),
    );
    let shown = run_ok(outpost(data).args(["report", "show", "--json", id.trim()]));
    let shown: Value = serde_json::from_str(&shown).expect("json");
    let template: Value = serde_json::from_str(&template).expect("json");
    assert_eq!(
        util::written(&shown["answers"]),
        template,
        "the BOM changed nothing"
    );
}

/// A photo answer could name any id, so a report listed photos nobody could
/// ever see; `report stage` wrote QIP pipeline entries into a patrol report.
#[test]
fn a_photo_answer_naming_no_attached_photo_and_a_stage_on_a_patrol_report_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let template = run_ok(outpost(data).args(["report", "template", "--kind", "patrol"]));
    let mut answers: Value = serde_json::from_str(&template).expect("json");
    let ghost = util::report_id(77).to_string();
    answers["photos"] = serde_json::json!([ghost]);
    let file = write_file(data, "ghost.json", answers.to_string().as_bytes());
    let out = outpost(data)
        .env("OUTPOST_LANG", "fr")
        .args(["report", "create", "--kind", "patrol", "--answers"])
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("[validation.unknown_attachment]")
            && stderr(&out).contains("n'est pas un fichier joint"),
        "{}",
        stderr(&out)
    );
    let list = run_ok(outpost(data).args(["report", "list", "--json"]));
    assert_eq!(list.trim(), "[]", "nothing was saved");

    let patrol = create(data, "patrol", &[]);
    let before = run_ok(outpost(data).args(["report", "show", "--json", &patrol]));
    let out = outpost(data)
        .args(["report", "stage", &patrol, "--to", "approved"])
        .output()
        .expect("runs");
    assert!(!out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("[document.no_pipeline]"),
        "{}",
        stderr(&out)
    );
    let after = run_ok(outpost(data).args(["report", "show", "--json", &patrol]));
    let stages = |s: &str| serde_json::from_str::<Value>(s).expect("json")["pipeline"].clone();
    assert_eq!(stages(&after), stages(&before), "no stage was written");

    let qip = create(data, "qip", &[]);
    run_ok(outpost(data).args(["report", "stage", &qip, "--to", "approved"]));
    let shown = run_ok(outpost(data).args(["report", "show", "--json", &qip]));
    assert!(
        shown.contains("approved"),
        "a QIP assessment still moves: {shown}"
    );
}

/// Two refusals no test had ever asserted: syncing before enrolment, and a
/// certificate authority file that holds no certificate (once accepted
/// silently, so that every hub later looked like a stranger).
#[test]
fn sync_before_enrolment_and_an_authority_file_that_is_no_certificate_are_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let out = outpost(data).arg("sync").output().expect("runs");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("[sync.not_enrolled]"),
        "{}",
        stderr(&out)
    );
    for (name, bytes) in [
        ("hello.pem", &b"hello"[..]),
        (
            "garbage.pem",
            &b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"[..],
        ),
    ] {
        let file = write_file(data, name, bytes);
        // Nothing listens on port 9: the refusal must come before any connection.
        let out = outpost(data)
            .args([
                "enrol",
                "--hub",
                "https://127.0.0.1:9",
                "--code",
                "ABC",
                "--ca-cert",
            ])
            .arg(&file)
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{name}");
        assert!(
            stderr(&out).contains("[sync.certificate]"),
            "{name}: {}",
            stderr(&out)
        );
    }
}
