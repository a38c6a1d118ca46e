//! XLSForm import on real, public forms (`tests/fixtures/xlsforms/`, see its
//! README): every survey row is accounted for, the texts and logic carried
//! over work in the form engine, and hostile workbooks are refused with a
//! specific error.
//!
//! The expected figures (questions, rows, labels) were read off the
//! spreadsheets by hand, not produced by the importer.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use outpost_report::flow::Flow;
use outpost_report::xlsform::{self, XlsFormError};
use outpost_report::{FieldKind, Form, Lang};
use serde_json::{Map, json};

use crate::util::{outpost, stderr};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/xlsforms")
        .join(name)
}

fn import(name: &str) -> xlsform::Imported {
    let bytes = std::fs::read(fixture(name)).expect("fixture");
    let book = xlsform::read_workbook(&bytes).expect("a workbook");
    xlsform::convert(&book, name.trim_end_matches(".xlsx")).expect("converts")
}

/// Every survey row with a name becomes a question or a step, or is named in
/// a note with its row: nothing is dropped in silence.
fn assert_every_row_accounted_for(name: &str, imported: &xlsform::Imported) {
    let bytes = std::fs::read(fixture(name)).expect("fixture");
    let book = xlsform::read_workbook(&bytes).expect("a workbook");
    let fields: BTreeSet<&str> = imported.form.fields.iter().map(|f| f.id.as_str()).collect();
    let steps: BTreeSet<&str> = imported.form.steps.iter().map(|s| s.id.as_str()).collect();
    let noted: BTreeSet<usize> = imported.notes.iter().map(|n| n.row).collect();
    for row in &book.survey {
        let cell = |key: &str| {
            row.cells
                .iter()
                .find(|(h, _)| h.trim().eq_ignore_ascii_case(key))
                .map(|(_, v)| v.as_str())
        };
        let (Some(kind), Some(id)) = (cell("type"), cell("name")) else {
            continue;
        };
        let kind = kind.to_lowercase();
        if kind.starts_with("end") {
            continue;
        }
        assert!(
            fields.contains(id) || steps.contains(id) || noted.contains(&row.number),
            "{name}: row {} ({id}, {kind}) is neither imported nor noted",
            row.number
        );
    }
}

#[test]
fn a_large_real_assessment_imports_with_every_row_accounted_for() {
    let imported = import("slum_assessment_survey.xlsx");
    let form = &imported.form;
    assert_eq!(form.id, "liberia_urban_resilience");
    assert_eq!(imported.rows, 296, "survey rows with content");
    // 222 questions, and the household roster that holds 15 of them.
    assert_eq!(form.fields.len(), 224);
    assert_every_row_accounted_for("slum_assessment_survey.xlsx", &imported);
    // Its household roster is a repeat: one entry per member, asked when
    // there are more people to list, its questions in no step of their own.
    let roster = form.field("hhmemb_repeat").expect("the roster is imported");
    let FieldKind::Repeat { fields, .. } = &roster.kind else {
        panic!("the roster is a repeat: {:?}", roster.kind);
    };
    assert_eq!(fields.len(), 15, "{fields:?}");
    assert_eq!(&fields[..3], ["b1_relation_to_hhead", "b2_name", "b4_age"]);
    assert_eq!(
        roster.relevant.as_ref().map(|e| e.source()),
        Some("selected(${hh_roster_more_people},'yes')")
    );
    for m in fields {
        assert!(form.steps.iter().all(|s| !s.fields.contains(m)), "{m}");
        assert_eq!(
            form.repeat_of(m).map(|r| r.id.as_str()),
            Some("hhmemb_repeat")
        );
    }
    // Typographic quotes in its conditions are read as plain ones, and the
    // condition then works: "other" asks for the other structure.
    let other = form.field("a12a_other").expect("imported");
    assert_eq!(
        other.relevant.as_ref().map(|e| e.source()),
        Some("${a12_respondent_structure}='other'")
    );
    let mut answers = Map::new();
    let flow = Flow::of(form, &answers, "2026-12-01T00:00:00Z");
    assert!(!flow.asks("a12a_other"));
    answers.insert("a12_respondent_structure".into(), json!("other"));
    let flow = Flow::of(form, &answers, "2026-12-01T00:00:00Z");
    assert!(flow.asks("a12a_other"));
    // What is written is a form Outpost loads as it loads its own.
    let json = serde_json::to_string(form).expect("serialises");
    let again = Form::from_json("liberia.json", &json).expect("loads back");
    assert_eq!(&again, form);
}

#[test]
fn french_labels_and_skip_logic_come_over_from_a_multilingual_form() {
    let imported = import("simple_building_survey_wildfires.xlsx");
    let form = &imported.form;
    assert_every_row_accounted_for("simple_building_survey_wildfires.xlsx", &imported);
    let category = form.field("category").expect("imported");
    // As in the spreadsheet's `label::English(en)` and `label::French(fr)` columns.
    assert_eq!(category.label.en, "What type of Building is this ?");
    assert_eq!(category.label.fr, "De quel type de bâtiment s'agit-il ?");
    let FieldKind::Choice { options } = &category.kind else {
        panic!("select_one: {:?}", category.kind);
    };
    assert!(options.iter().any(|o| o.value == "service"));
    // The service question is asked for a service building only.
    let mut answers = Map::new();
    answers.insert("category".into(), json!("service"));
    let flow = Flow::of(form, &answers, "2026-12-01T00:00:00Z");
    assert!(flow.asks("service"));
    assert!(!flow.asks("Shop"));
    // Its cascades come over: the tourism question offers the choices the
    // choices sheet files under the category "tourism", read here from the
    // sheet's own rows.
    let bytes = std::fs::read(fixture("simple_building_survey_wildfires.xlsx")).expect("fixture");
    let book = xlsform::read_workbook(&bytes).expect("a workbook");
    let cell = |row: &xlsform::Row, key: &str| {
        row.cells
            .iter()
            .find(|(h, _)| h.trim() == key)
            .map(|(_, v)| v.clone())
    };
    let list = book
        .survey
        .iter()
        .find(|r| cell(r, "name").as_deref() == Some("tourism"))
        .and_then(|r| cell(r, "type"))
        .and_then(|t| t.split_whitespace().nth(1).map(str::to_string))
        .expect("tourism is a select_one");
    let mut expected: Vec<String> = Vec::new();
    for r in &book.choices {
        if cell(r, "list_name").as_deref() == Some(list.as_str())
            && cell(r, "category").as_deref() == Some("tourism")
        {
            let name = cell(r, "name").expect("a name");
            if !expected.contains(&name) {
                expected.push(name);
            }
        }
    }
    assert!(!expected.is_empty());
    answers.insert("category".into(), json!("tourism"));
    let flow = Flow::of(form, &answers, "2026-12-01T00:00:00Z");
    assert_eq!(flow.options["tourism"], expected);
}

#[test]
fn other_real_forms_import_too() {
    for (name, questions) in [
        ("building_natural_risks_survey.xlsx", 30),
        // Its roster is a repeat whose count, heads and names are worked
        // out with count(), sum() and join() over the entries.
        ("unhcr_demo.xlsx", 43),
    ] {
        let imported = import(name);
        assert_eq!(imported.form.fields.len(), questions, "{name}");
        assert_every_row_accounted_for(name, &imported);
        for lang in Lang::ALL {
            assert!(!imported.form.title.get(lang).is_empty());
        }
    }
}

fn refused(bytes: &[u8]) -> XlsFormError {
    match xlsform::read_workbook(bytes) {
        Err(e) => e,
        Ok(book) => xlsform::convert(&book, "x").expect_err("refused"),
    }
}

/// A zip with one part of `size` zero bytes (a few hundred bytes packed).
fn zip_of(name: &str, size: usize) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(size > u32::MAX as usize);
    zip.start_file(name, options).expect("a part");
    let chunk = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len());
        zip.write_all(&chunk[..n]).expect("written");
        left -= n;
    }
    zip.finish().expect("finished");
    out.into_inner()
}

/// A minimal `.xlsx` with the given sheets, each `(name, sheet XML rows)`:
/// what a spreadsheet program writes, with inline strings.
fn xlsx(sheets: &[(&str, &str)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default();
    let mut part = |name: &str, text: String| {
        zip.start_file(name, options).expect("a part");
        zip.write_all(text.as_bytes()).expect("written");
    };
    let overrides: String = (1..=sheets.len())
        .map(|i| format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#))
        .collect();
    part(
        "[Content_Types].xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>"#
        ),
    );
    part("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into());
    let entries: String = sheets
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            format!(
                r#"<sheet name="{name}" sheetId="{}" r:id="rId{}"/>"#,
                i + 1,
                i + 1
            )
        })
        .collect();
    part(
        "xl/workbook.xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{entries}</sheets></workbook>"#
        ),
    );
    let rels: String = (1..=sheets.len())
        .map(|i| format!(r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>"#))
        .collect();
    part(
        "xl/_rels/workbook.xml.rels",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
        ),
    );
    for (i, (_, rows)) in sheets.iter().enumerate() {
        part(
            &format!("xl/worksheets/sheet{}.xml", i + 1),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
            ),
        );
    }
    zip.finish().expect("finished");
    out.into_inner()
}

/// One sheet row of inline-string cells at the given references.
fn sheet_row(n: u32, cells: &[(&str, &str)]) -> String {
    let cells: String = cells
        .iter()
        .map(|(at, text)| format!(r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#))
        .collect();
    format!(r#"<row r="{n}">{cells}</row>"#)
}

#[test]
fn a_cell_placed_at_the_far_corner_of_a_sheet_makes_no_grid() {
    // Read as a grid, this sheet would be 16,384 columns by 1,048,576 rows.
    let survey = [
        sheet_row(
            1,
            &[
                ("A1", "type"),
                ("B1", "name"),
                ("C1", "label::English (en)"),
                ("D1", "label::French (fr)"),
            ],
        ),
        sheet_row(
            2,
            &[
                ("A2", "integer"),
                ("B2", "household_size"),
                ("C2", "People in the household"),
                ("D2", "Personnes dans le ménage"),
            ],
        ),
        sheet_row(1048576, &[("XFD1048576", "far away")]),
    ]
    .concat();
    let book = xlsform::read_workbook(&xlsx(&[("survey", &survey)])).expect("read cell by cell");
    let imported = xlsform::convert(&book, "far").expect("converts");
    let field = imported.form.field("household_size").expect("the question");
    assert_eq!(field.label.fr, "Personnes dans le ménage");
    assert_eq!(imported.form.fields.len(), 1);
}

#[test]
fn a_sheet_with_too_many_rows_is_refused() {
    let mut survey = sheet_row(1, &[("A1", "type"), ("B1", "name")]);
    for n in 2..(xlsform::MAX_SURVEY_ROWS as u32 + 3) {
        survey.push_str(&format!(
            r#"<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>text</t></is></c></row>"#
        ));
    }
    assert!(matches!(
        xlsform::read_workbook(&xlsx(&[("survey", &survey)])),
        Err(XlsFormError::TooManyRows {
            sheet: "survey",
            ..
        })
    ));
}

#[test]
fn hostile_or_broken_workbooks_are_refused_with_a_specific_error() {
    // Not a workbook at all.
    assert!(matches!(
        refused(b"type,name,label\ntext,a,A\n"),
        XlsFormError::NotAWorkbook(_)
    ));
    // Too large to be a form.
    let big = vec![b'P'; xlsform::MAX_FILE + 1];
    assert!(matches!(refused(&big), XlsFormError::TooLarge { .. }));
    // A zip bomb: a small file that inflates past the limit is refused
    // before any sheet is read.
    let bomb = zip_of(
        "xl/worksheets/sheet1.xml",
        (xlsform::MAX_UNPACKED + 1024) as usize,
    );
    assert!(
        bomb.len() < 1 << 20,
        "the bomb is small: {} bytes",
        bomb.len()
    );
    assert!(matches!(
        refused(&bomb),
        XlsFormError::UnpacksTooLarge { .. }
    ));
    // A zip that is not a spreadsheet.
    assert!(matches!(
        refused(&zip_of("hello.txt", 10)),
        XlsFormError::NotAWorkbook(_)
    ));

    // A real workbook without a survey sheet, and one without a type column.
    let book = xlsform::Workbook::default();
    assert!(matches!(
        xlsform::convert(&book, "x"),
        Err(XlsFormError::MissingColumn { column: "type", .. })
    ));
    let row = |n: usize, cells: &[(&str, &str)]| xlsform::Row {
        number: n,
        cells: cells
            .iter()
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect(),
    };
    let only_metadata = xlsform::Workbook {
        survey: vec![row(2, &[("type", "start"), ("name", "start")])],
        ..Default::default()
    };
    assert!(matches!(
        xlsform::convert(&only_metadata, "x"),
        Err(XlsFormError::NoQuestions)
    ));
    // A condition that goes round in a circle is refused as the form's own
    // fault, naming the fields.
    let circle = xlsform::Workbook {
        survey: vec![
            row(
                2,
                &[
                    ("type", "integer"),
                    ("name", "a"),
                    ("label", "A"),
                    ("relevant", "${b} > 1"),
                ],
            ),
            row(
                3,
                &[
                    ("type", "integer"),
                    ("name", "b"),
                    ("label", "B"),
                    ("relevant", "${a} > 1"),
                ],
            ),
        ],
        ..Default::default()
    };
    match xlsform::convert(&circle, "x") {
        Err(XlsFormError::Form(e)) => assert!(e.to_string().contains("circle"), "{e}"),
        other => panic!("a circle is refused: {:?}", other.map(|i| i.form.id)),
    }
}

#[test]
fn the_command_line_imports_a_form_lists_forms_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let out = dir.path().join("liberia.json");
    let run = outpost(&data)
        .env("OUTPOST_LANG", "fr")
        .args(["form", "import"])
        .arg(fixture("slum_assessment_survey.xlsx"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(
        String::from_utf8_lossy(&run.stdout).trim(),
        "liberia_urban_resilience"
    );
    let err = stderr(&run);
    assert!(
        err.contains("224 question(s)") && err.contains("296 ligne(s) survey"),
        "{err}"
    );
    assert!(
        err.contains("  - row 54 (hhmemb_repeat): appearance \"minimal\" is not carried over"),
        "{err}"
    );
    let written = std::fs::read_to_string(&out).expect("written");
    Form::from_json("liberia.json", &written).expect("the written form loads");

    // Again to the same file: refused, the first one intact.
    let again = outpost(&data)
        .env("OUTPOST_LANG", "en")
        .args(["form", "import"])
        .arg(fixture("unhcr_demo.xlsx"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("[form.file_not_written]"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(&out).expect("kept"), written);

    // A file that is not a workbook: a specific error in French, exit 2.
    let bad = dir.path().join("form.xlsx");
    std::fs::write(&bad, b"not a spreadsheet").expect("written");
    let refused = outpost(&data)
        .env("OUTPOST_LANG", "fr")
        .args(["form", "import"])
        .arg(&bad)
        .output()
        .expect("runs");
    assert_ne!(refused.status.code(), Some(0), "a failure exits non-zero");
    assert!(
        stderr(&refused).contains("n'est pas un classeur")
            && stderr(&refused).contains("[xlsform.not_a_workbook]"),
        "{}",
        stderr(&refused)
    );

    // The forms this device offers, with their versions.
    let listed = outpost(&data)
        .args(["form", "list", "--json"])
        .output()
        .expect("runs");
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    let forms: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let incident = forms
        .as_array()
        .expect("a list")
        .iter()
        .find(|f| f["id"] == "incident")
        .expect("the incident form");
    assert_eq!(incident["version"], 2);
}

#[test]
fn plain_defaults_come_over_and_others_are_named() {
    let survey = [
        sheet_row(
            1,
            &[
                ("A1", "type"),
                ("B1", "name"),
                ("C1", "label"),
                ("D1", "default"),
                ("E1", "constraint"),
            ],
        ),
        sheet_row(
            2,
            &[
                ("A2", "integer"),
                ("B2", "visits"),
                ("C2", "Visits"),
                ("D2", "3"),
            ],
        ),
        sheet_row(
            3,
            &[
                ("A3", "select_one yn"),
                ("B3", "water"),
                ("C3", "Water point?"),
                ("D3", "no"),
            ],
        ),
        sheet_row(
            4,
            &[
                ("A4", "integer"),
                ("B4", "wells"),
                ("C4", "Wells"),
                ("D4", "-5"),
                ("E4", ". >= 0"),
            ],
        ),
        sheet_row(
            5,
            &[
                ("A5", "text"),
                ("B5", "village"),
                ("C5", "Village"),
                ("D5", "${last-saved#village}"),
            ],
        ),
    ]
    .concat();
    let choices = [
        sheet_row(1, &[("A1", "list_name"), ("B1", "name"), ("C1", "label")]),
        sheet_row(2, &[("A2", "yn"), ("B2", "yes"), ("C2", "Yes")]),
        sheet_row(3, &[("A3", "yn"), ("B3", "no"), ("C3", "No")]),
    ]
    .concat();
    let book =
        xlsform::read_workbook(&xlsx(&[("survey", &survey), ("choices", &choices)])).expect("read");
    let imported = xlsform::convert(&book, "defaults").expect("converts");
    let defaults = imported.form.defaults();
    assert_eq!(defaults.get("visits"), Some(&json!(3)));
    assert_eq!(defaults.get("water"), Some(&json!("no")));
    assert!(
        !defaults.contains_key("wells"),
        "refused by its own constraint"
    );
    assert!(!defaults.contains_key("village"));
    let noted: Vec<(usize, &str)> = imported
        .notes
        .iter()
        .filter(|n| n.what.starts_with("default"))
        .map(|n| (n.row, n.name.as_str()))
        .collect();
    assert_eq!(noted, [(4, "wells"), (5, "village")]);
}
