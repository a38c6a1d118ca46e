//! XLSForm import: the spreadsheets of ODK and KoboToolbox as Outpost forms.
//!
//! A workbook's `survey`, `choices` and `settings` sheets become a [`Form`]:
//! each top-level group a debrief step, each question a field with its
//! English and French texts, its relevance, constraint, requirement and
//! calculation. What cannot be carried over is never dropped in silence:
//! every such row comes back as a [`Note`] naming the row and what became of
//! it, and the converted form passes the same checks as a shipped one.
//!
//! The workbook is untrusted input: its size, its unpacked size, its rows and
//! its cells are bounded before anything is built from it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Cursor, Read, Seek};

use serde::Serialize;
use serde_json::Value;

use crate::form::{Choice, Constraint, Field, FieldKind, Form, FormError, LocalText, Step};
use crate::i18n::Lang;
use crate::logic::Expression;

/// The largest workbook accepted, in bytes.
pub const MAX_FILE: usize = 16 * 1024 * 1024;
/// The most a workbook may unpack to (its parts added up), against zip bombs.
pub const MAX_UNPACKED: u64 = 128 * 1024 * 1024;
/// The most rows read from the survey sheet.
pub const MAX_SURVEY_ROWS: usize = 10_000;
/// The most rows read from the choices sheet.
pub const MAX_CHOICE_ROWS: usize = 100_000;
/// The longest cell kept, in characters.
const MAX_CELL: usize = 8_192;

/// A workbook that cannot be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum XlsFormError {
    #[error("the file is {size} bytes; an XLSForm is at most {max}")]
    TooLarge { size: usize, max: usize },
    #[error("the file is not an .xlsx or .xls workbook: {0}")]
    NotAWorkbook(String),
    #[error("the workbook unpacks to more than {max} bytes")]
    UnpacksTooLarge { max: u64 },
    #[error("the workbook has no {0:?} sheet")]
    MissingSheet(&'static str),
    #[error("the {sheet:?} sheet has no {column:?} column")]
    MissingColumn {
        sheet: &'static str,
        column: &'static str,
    },
    #[error("the {sheet:?} sheet has more than {max} rows")]
    TooManyRows { sheet: &'static str, max: usize },
    #[error("the survey sheet has no question Outpost can ask")]
    NoQuestions,
    #[error("the converted form does not pass its checks: {0}")]
    Form(#[from] FormError),
}

impl XlsFormError {
    /// The stable code of this error, for messages in the user's language.
    pub fn code(&self) -> &'static str {
        match self {
            XlsFormError::TooLarge { .. } => "xlsform.too_large",
            XlsFormError::NotAWorkbook(_) => "xlsform.not_a_workbook",
            XlsFormError::UnpacksTooLarge { .. } => "xlsform.unpacks_too_large",
            XlsFormError::MissingSheet(_) => "xlsform.missing_sheet",
            XlsFormError::MissingColumn { .. } => "xlsform.missing_column",
            XlsFormError::TooManyRows { .. } => "xlsform.too_many_rows",
            XlsFormError::NoQuestions => "xlsform.no_questions",
            XlsFormError::Form(_) => "xlsform.form_invalid",
        }
    }

    /// The named values its message quotes.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            XlsFormError::TooLarge { size, max } => {
                vec![("size", size.to_string()), ("max", max.to_string())]
            }
            XlsFormError::NotAWorkbook(detail) => vec![("detail", detail.clone())],
            XlsFormError::UnpacksTooLarge { max } => vec![("max", max.to_string())],
            XlsFormError::MissingSheet(sheet) => vec![("sheet", sheet.to_string())],
            XlsFormError::MissingColumn { sheet, column } => {
                vec![("sheet", sheet.to_string()), ("column", column.to_string())]
            }
            XlsFormError::TooManyRows { sheet, max } => {
                vec![("sheet", sheet.to_string()), ("max", max.to_string())]
            }
            XlsFormError::NoQuestions => vec![],
            XlsFormError::Form(e) => vec![("detail", e.to_string())],
        }
    }
}

/// One row of a sheet: its number as the spreadsheet shows it, and its
/// cells by column header (headers trimmed; compared without case).
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<(String, String)>,
}

/// The three sheets an XLSForm is made of.
#[derive(Debug, Clone, Default)]
pub struct Workbook {
    pub survey: Vec<Row>,
    pub choices: Vec<Row>,
    pub settings: Vec<Row>,
}

/// Something of the workbook not carried over as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// The survey row (as the spreadsheet numbers it); 0 for the whole form.
    pub row: usize,
    /// The question's name, when the row has one.
    pub name: String,
    pub what: String,
}

/// A converted form and what did not carry over.
#[derive(Debug, Clone)]
pub struct Imported {
    pub form: Form,
    pub notes: Vec<Note>,
    /// Survey rows read (questions, groups, notes, metadata).
    pub rows: usize,
}

/// The widest sheet read: columns beyond are ignored.
const MAX_COLUMNS: u32 = 512;

/// Reads the sheets of a workbook (`.xlsx`, or the older `.xls` that many
/// forms still circulate as), within the limits above.
///
/// An `.xlsx` is read cell by cell: its sheets are never laid out as a
/// grid, since one cell placed far away (`XFD1048576`) would make a grid of
/// billions. An `.xls` is at most 65,536 rows of 256 columns by its format,
/// and no larger than [`MAX_FILE`].
pub fn read_workbook(bytes: &[u8]) -> Result<Workbook, XlsFormError> {
    // The spreadsheet reader is not known to be free of panics on every
    // malformed file; one is a refusal of that file, never a crash.
    std::panic::catch_unwind(|| read_sheets(bytes)).unwrap_or_else(|_| {
        Err(XlsFormError::NotAWorkbook(
            "the spreadsheet reader could not make sense of it".into(),
        ))
    })
}

fn read_sheets(bytes: &[u8]) -> Result<Workbook, XlsFormError> {
    use calamine::Reader;
    if bytes.len() > MAX_FILE {
        return Err(XlsFormError::TooLarge {
            size: bytes.len(),
            max: MAX_FILE,
        });
    }
    let not_a_workbook = |e: &dyn std::fmt::Display| XlsFormError::NotAWorkbook(e.to_string());
    // Each sheet as (row, column, text) cells, the order of rows kept.
    type Cells = BTreeMap<u32, BTreeMap<u32, String>>;
    let mut sheets: Vec<(String, Cells)> = Vec::new();
    let wanted = |name: &str| {
        let n = name.trim().to_ascii_lowercase();
        match n.as_str() {
            "survey" => Some(MAX_SURVEY_ROWS),
            "choices" => Some(MAX_CHOICE_ROWS),
            "settings" => Some(10),
            _ => None,
        }
    };
    let too_many = |name: &str, max: usize| XlsFormError::TooManyRows {
        sheet: match name.trim().to_ascii_lowercase().as_str() {
            "survey" => "survey",
            "choices" => "choices",
            _ => "settings",
        },
        max,
    };
    if bytes.starts_with(b"PK") {
        // A zip archive: its parts are measured before they are read.
        check_unpacked_size(Cursor::new(bytes))?;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|e: calamine::XlsxError| not_a_workbook(&e))?;
        for name in book.sheet_names().to_vec() {
            let Some(max) = wanted(&name) else { continue };
            let mut reader = book
                .worksheet_cells_reader(&name)
                .map_err(|e| not_a_workbook(&e))?;
            let mut cells = Cells::new();
            while let Some(c) = reader.next_cell().map_err(|e| not_a_workbook(&e))? {
                let (row, col) = c.get_position();
                let text = cell(&calamine::Data::from(c.get_value().clone()));
                if col >= MAX_COLUMNS || text.trim().is_empty() {
                    continue;
                }
                if !cells.contains_key(&row) && cells.len() > max {
                    return Err(too_many(&name, max));
                }
                cells.entry(row).or_default().insert(col, text);
            }
            sheets.push((name, cells));
        }
    } else {
        let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
            .map_err(|e| not_a_workbook(&e))?;
        for name in book.sheet_names().to_vec() {
            let Some(max) = wanted(&name) else { continue };
            let range = book
                .worksheet_range(&name)
                .map_err(|e| not_a_workbook(&e))?;
            let (top, left) = range.start().unwrap_or((0, 0));
            let mut cells = Cells::new();
            for (i, r) in range.rows().enumerate() {
                for (j, c) in r.iter().enumerate() {
                    let text = cell(c);
                    let col = left + j as u32;
                    if col >= MAX_COLUMNS || text.trim().is_empty() {
                        continue;
                    }
                    let row = top + i as u32;
                    if !cells.contains_key(&row) && cells.len() > max {
                        return Err(too_many(&name, max));
                    }
                    cells.entry(row).or_default().insert(col, text);
                }
            }
            sheets.push((name, cells));
        }
    }
    // The first row of a sheet holds the headers; every later row with a
    // value under a header is a row, numbered as the spreadsheet shows it.
    let rows_of = |wanted: &str| -> Option<Vec<Row>> {
        let (_, cells) = sheets
            .iter()
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(wanted))?;
        let mut rows = cells.iter();
        let Some((_, header)) = rows.next() else {
            return Some(Vec::new());
        };
        let headers: BTreeMap<u32, String> = header
            .iter()
            .map(|(c, h)| (*c, h.trim().to_string()))
            .filter(|(_, h)| !h.is_empty())
            .collect();
        Some(
            rows.filter_map(|(r, values)| {
                let cells: Vec<(String, String)> = values
                    .iter()
                    .filter_map(|(c, v)| Some((headers.get(c)?.clone(), v.trim().to_string())))
                    .collect();
                (!cells.is_empty()).then(|| Row {
                    number: *r as usize + 1,
                    cells,
                })
            })
            .collect(),
        )
    };
    let survey = rows_of("survey").ok_or(XlsFormError::MissingSheet("survey"))?;
    Ok(Workbook {
        survey,
        choices: rows_of("choices").unwrap_or_default(),
        settings: rows_of("settings").unwrap_or_default(),
    })
}

fn cell(c: &calamine::Data) -> String {
    let text = match c {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        calamine::Data::Empty => String::new(),
        other => other.to_string(),
    };
    text.chars().take(MAX_CELL).collect()
}

/// Refuses a workbook whose parts add up to more than [`MAX_UNPACKED`], by
/// the sizes its zip directory declares and by what they really inflate to.
fn check_unpacked_size(reader: impl Read + Seek) -> Result<(), XlsFormError> {
    let mut archive =
        zip::ZipArchive::new(reader).map_err(|e| XlsFormError::NotAWorkbook(e.to_string()))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut part = archive
            .by_index(i)
            .map_err(|e| XlsFormError::NotAWorkbook(e.to_string()))?;
        total = total.saturating_add(part.size());
        if total > MAX_UNPACKED {
            return Err(XlsFormError::UnpacksTooLarge { max: MAX_UNPACKED });
        }
        // A declared size can lie: count what actually comes out.
        let left = MAX_UNPACKED - (total - part.size());
        let real = std::io::copy(&mut (&mut part).take(left + 1), &mut std::io::sink())
            .map_err(|e| XlsFormError::NotAWorkbook(e.to_string()))?;
        if real > left {
            return Err(XlsFormError::UnpacksTooLarge { max: MAX_UNPACKED });
        }
        total = total - part.size() + real;
    }
    Ok(())
}

/// The language of a column (`label::French (fr)`), as far as Outpost cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tongue {
    /// No language given (`label`).
    Plain,
    En,
    Fr,
    /// Another language (`label::Swahili (sw)`).
    Other,
}

/// A column header split into its base (`label`) and its language.
fn column(header: &str) -> (String, Tongue) {
    let lower = header.trim().to_lowercase();
    match lower.split_once("::") {
        None => (lower, Tongue::Plain),
        Some((base, lang)) => {
            let lang = lang.trim();
            let is = |names: &[&str], code: &str| {
                names.iter().any(|n| lang.starts_with(n))
                    || lang == code
                    || lang.contains(&format!("({code})"))
            };
            let which = if is(&["english"], "en") {
                Tongue::En
            } else if is(&["french", "français", "francais"], "fr") {
                Tongue::Fr
            } else {
                Tongue::Other
            };
            (base.trim().to_string(), which)
        }
    }
}

/// A row's cells by base column, each with its language.
struct Cells<'a> {
    by_base: HashMap<String, Vec<(Tongue, &'a str)>>,
}

impl<'a> Cells<'a> {
    fn of(row: &'a Row) -> Cells<'a> {
        let mut by_base: HashMap<String, Vec<_>> = HashMap::new();
        for (h, v) in &row.cells {
            let (base, lang) = column(h);
            by_base.entry(base).or_default().push((lang, v.as_str()));
        }
        Cells { by_base }
    }

    /// The plain (language-less) value of a column.
    fn get(&self, base: &str) -> Option<&'a str> {
        self.by_base
            .get(base)?
            .iter()
            .find(|(l, _)| *l == Tongue::Plain)
            .or_else(|| self.by_base.get(base)?.first())
            .map(|(_, v)| *v)
    }

    /// A text in both languages: each language's own column, else the
    /// column without a language, else the other language's; `None` when
    /// the row has none. The flag says whether French had to be borrowed.
    fn text(&self, base: &str) -> Option<(LocalText, bool)> {
        let cells = self.by_base.get(base)?;
        let find = |want: Tongue| {
            cells
                .iter()
                .find(|(l, _)| *l == want)
                .map(|(_, v)| v.to_string())
        };
        let en = find(Tongue::En);
        let fr = find(Tongue::Fr);
        let plain = find(Tongue::Plain).or_else(|| find(Tongue::Other));
        let en_text = en.clone().or(plain.clone()).or(fr.clone())?;
        let fr_text = fr.clone().or(plain).unwrap_or_else(|| en_text.clone());
        Some((
            LocalText {
                en: en_text,
                fr: fr_text,
            },
            fr.is_none() && en.is_some(),
        ))
    }
}

/// What a survey row's `type` asks for.
enum RowKind {
    Question(FieldKind, Option<String>),
    Calculate,
    Note,
    BeginGroup,
    EndGroup,
    BeginRepeat,
    EndRepeat,
    Metadata,
    Unsupported(String),
}

fn row_kind(
    kind: &str,
    lists: &BTreeMap<String, Vec<Choice>>,
    notes: &mut Vec<Note>,
    at: (usize, &str),
) -> RowKind {
    let words: Vec<&str> = kind.split_whitespace().collect();
    let first = words.first().map(|w| w.to_lowercase()).unwrap_or_default();
    let note = |notes: &mut Vec<Note>, what: String| {
        notes.push(Note {
            row: at.0,
            name: at.1.to_string(),
            what,
        })
    };
    let select = |list: Option<&&str>, notes: &mut Vec<Note>| -> Option<Vec<Choice>> {
        let list = list?;
        match lists.get(*list) {
            Some(options) => Some(options.clone()),
            None => {
                note(
                    notes,
                    format!("choice list {list:?} is not on the choices sheet"),
                );
                None
            }
        }
    };
    match (first.as_str(), words.get(1).map(|w| w.to_lowercase())) {
        ("begin", Some(w)) if w == "group" => RowKind::BeginGroup,
        ("end", Some(w)) if w == "group" => RowKind::EndGroup,
        ("begin", Some(w)) if w == "repeat" => RowKind::BeginRepeat,
        ("end", Some(w)) if w == "repeat" => RowKind::EndRepeat,
        ("begin_group", _) => RowKind::BeginGroup,
        ("end_group", _) => RowKind::EndGroup,
        ("begin_repeat", _) => RowKind::BeginRepeat,
        ("end_repeat", _) => RowKind::EndRepeat,
        ("text", _) => RowKind::Question(FieldKind::Text { max_length: None }, None),
        ("integer" | "int", _) => RowKind::Question(
            FieldKind::Integer {
                min: None,
                max: None,
                unit: None,
            },
            None,
        ),
        ("decimal", _) => RowKind::Question(
            FieldKind::Decimal {
                min: None,
                max: None,
                unit: None,
            },
            None,
        ),
        ("range", _) => RowKind::Question(
            FieldKind::Decimal {
                min: None,
                max: None,
                unit: None,
            },
            Some("a range is asked as a number, without its slider".into()),
        ),
        ("select_one" | "select1", _) | ("select", Some(_)) if !kind.contains("from_file") => {
            let list = if first == "select" {
                words.get(2)
            } else {
                words.get(1)
            };
            let other = words.iter().any(|w| w.eq_ignore_ascii_case("or_other"));
            match select(list, notes) {
                Some(mut options) => {
                    if other {
                        push_other(&mut options);
                    }
                    let many = first == "select" && words.get(1).is_some_and(|w| *w == "multiple");
                    RowKind::Question(
                        if many {
                            FieldKind::Choices { options }
                        } else {
                            FieldKind::Choice { options }
                        },
                        other.then(|| {
                            "\"or_other\": an option \"Other\" is offered, without its text box"
                                .into()
                        }),
                    )
                }
                None => RowKind::Unsupported(format!("{kind:?} without its choices")),
            }
        }
        ("select_multiple", _) => {
            let other = words.iter().any(|w| w.eq_ignore_ascii_case("or_other"));
            match select(words.get(1), notes) {
                Some(mut options) => {
                    if other {
                        push_other(&mut options);
                    }
                    RowKind::Question(
                        FieldKind::Choices { options },
                        other.then(|| {
                            "\"or_other\": an option \"Other\" is offered, without its text box"
                                .into()
                        }),
                    )
                }
                None => RowKind::Unsupported(format!("{kind:?} without its choices")),
            }
        }
        ("date", _) => RowKind::Question(
            FieldKind::Datetime {
                not_in_future: false,
            },
            Some("a date is asked as a date and time".into()),
        ),
        ("datetime", _) => RowKind::Question(
            FieldKind::Datetime {
                not_in_future: false,
            },
            None,
        ),
        ("time", _) => RowKind::Question(
            FieldKind::Datetime {
                not_in_future: false,
            },
            Some("a time of day is asked as a date and time".into()),
        ),
        ("geopoint", _) => RowKind::Question(FieldKind::Location, None),
        ("image" | "photo", _) => RowKind::Question(FieldKind::Photos { max_items: Some(1) }, None),
        ("audio", _) => RowKind::Question(FieldKind::VoiceNotes { max_items: Some(1) }, None),
        ("calculate", _) => RowKind::Calculate,
        ("note", _) => RowKind::Note,
        (
            "start" | "end" | "today" | "deviceid" | "subscriberid" | "simserial" | "phonenumber"
            | "username" | "email" | "audit" | "start-geopoint" | "instanceid",
            _,
        ) => RowKind::Metadata,
        _ => RowKind::Unsupported(kind.to_string()),
    }
}

fn push_other(options: &mut Vec<Choice>) {
    if !options.iter().any(|o| o.value == "other") {
        options.push(Choice {
            value: "other".into(),
            label: LocalText {
                en: "Other".into(),
                fr: "Autre".into(),
            },
            filter: BTreeMap::new(),
        });
    }
}

/// A question before its expressions are checked against the whole form.
struct Draft {
    field: Field,
    row: usize,
    relevant: Vec<String>,
    constraint: Option<(String, Option<LocalText>)>,
    required: Option<String>,
    calculate: Option<String>,
    choice_filter: Option<String>,
    repeat_count: Option<String>,
}

/// An identifier Outpost accepts for a form, from a name of the workbook.
fn form_id(s: &str) -> String {
    let id: String = s
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if id.is_empty() { "imported".into() } else { id }
}

/// Converts a workbook into a form. `fallback_id` names the form when the
/// settings sheet does not (the file's name).
pub fn convert(book: &Workbook, fallback_id: &str) -> Result<Imported, XlsFormError> {
    let mut notes = Vec::new();
    let whole = |notes: &mut Vec<Note>, what: String| {
        notes.push(Note {
            row: 0,
            name: String::new(),
            what,
        })
    };

    for column in ["type", "name"] {
        if !book
            .survey
            .iter()
            .any(|r| Cells::of(r).get(column).is_some())
        {
            return Err(XlsFormError::MissingColumn {
                sheet: "survey",
                column,
            });
        }
    }

    // Choice lists, in sheet order.
    let mut lists: BTreeMap<String, Vec<Choice>> = BTreeMap::new();
    for row in &book.choices {
        let cells = Cells::of(row);
        let (Some(list), Some(name)) = (
            cells.get("list_name").or(cells.get("list name")),
            cells.get("name").or(cells.get("value")),
        ) else {
            continue;
        };
        let label = cells.text("label").map(|(t, _)| t).unwrap_or(LocalText {
            en: name.into(),
            fr: name.into(),
        });
        let options = lists.entry(list.to_string()).or_default();
        if options.iter().any(|o| o.value == name) {
            notes.push(Note {
                row: row.number,
                name: name.into(),
                what: format!(
                    "choice {name:?} is listed twice in {list:?}: the first is kept (choices sheet)"
                ),
            });
            continue;
        }
        // Every other column may be read by a choice_filter (`region`).
        let filter = row
            .cells
            .iter()
            .filter(|(h, _)| {
                let (base, _) = column(h);
                !matches!(
                    base.as_str(),
                    "list_name"
                        | "list name"
                        | "name"
                        | "value"
                        | "label"
                        | "image"
                        | "audio"
                        | "video"
                        | "media"
                        | "order"
                )
            })
            .map(|(h, v)| (h.trim().to_string(), v.clone()))
            .collect();
        options.push(Choice {
            value: name.to_string(),
            label,
            filter,
        });
    }

    // Settings.
    let settings = book.settings.first().map(Cells::of);
    let setting = |key: &str| settings.as_ref().and_then(|s| s.get(key));
    let id = form_id(setting("form_id").unwrap_or(fallback_id));
    let version = match setting("version") {
        None => 1,
        Some(v) => {
            let digits: String = v.chars().filter(char::is_ascii_digit).collect();
            match digits.parse::<u64>() {
                // Dates as versions (2024011501) fit; longer ones keep their end.
                Ok(n) => (n % u64::from(u32::MAX)) as u32,
                Err(_) => {
                    whole(
                        &mut notes,
                        format!("version {v:?} has no number: version 1"),
                    );
                    1
                }
            }
        }
    };
    let title = settings
        .as_ref()
        .and_then(|s| s.text("form_title"))
        .map(|(t, _)| t)
        .unwrap_or(LocalText {
            en: id.clone(),
            fr: id.clone(),
        });

    // The survey, row by row: groups make steps, questions make fields.
    let mut drafts: Vec<Draft> = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    // Open groups: (name, label, relevant, is_repeat, top-level step index).
    let mut open: Vec<(String, Option<LocalText>, Option<String>, bool)> = Vec::new();
    // The open repeat: its draft, and its place in `open`.
    let mut repeat_open: Option<(usize, usize)> = None;
    let mut loose = 0usize;
    let mut no_french = 0usize;
    let mut help_of_step: BTreeMap<usize, Vec<LocalText>> = BTreeMap::new();
    // A top-level group's relevance, for its step: (step, row, name, source).
    let mut step_relevance: Vec<(usize, usize, String, String)> = Vec::new();
    // The survey row of each top-level group's step.
    let mut group_rows: BTreeMap<usize, usize> = BTreeMap::new();
    for row in &book.survey {
        let cells = Cells::of(row);
        let kind = cells.get("type").unwrap_or_default();
        let name = cells.get("name").unwrap_or_default().to_string();
        let at = (row.number, name.as_str());
        let note = |notes: &mut Vec<Note>, what: String| {
            notes.push(Note {
                row: row.number,
                name: name.clone(),
                what,
            })
        };
        if kind.is_empty() {
            if !name.is_empty() {
                note(&mut notes, "no type: not imported".into());
            }
            continue;
        }
        let label = cells.text("label");
        if let Some((_, true)) = label {
            no_french += 1;
        }
        let kind_of = row_kind(kind, &lists, &mut notes, at);
        match kind_of {
            RowKind::BeginGroup | RowKind::BeginRepeat => {
                let mut repeat = matches!(kind_of, RowKind::BeginRepeat);
                if repeat && repeat_open.is_some() {
                    note(
                        &mut notes,
                        "a repeat inside a repeat: its questions join each entry of the enclosing one".into(),
                    );
                    repeat = false;
                } else if !open.is_empty() && !repeat {
                    note(
                        &mut notes,
                        "a group inside a group: its questions join the enclosing step, each keeping the group's relevance".into(),
                    );
                }
                if open.is_empty() {
                    steps.push(Step {
                        id: step_id(&name, steps.len()),
                        question: label.clone().map(|(t, _)| t).unwrap_or(LocalText {
                            en: name.clone(),
                            fr: name.clone(),
                        }),
                        help: None,
                        fields: Vec::new(),
                        relevant: None,
                    });
                    group_rows.insert(steps.len() - 1, row.number);
                    // The group's relevance is the step's, checked below with the rest.
                    if let Some(r) = cells.get("relevant") {
                        step_relevance.push((
                            steps.len() - 1,
                            row.number,
                            name.clone(),
                            r.to_string(),
                        ));
                    }
                }
                if repeat {
                    // The repeat is a question of its step whose answer is
                    // its entries; the questions up to its end are its own.
                    let mut relevant: Vec<String> = open
                        .iter()
                        .skip(1)
                        .filter_map(|(_, _, r, _)| r.clone())
                        .collect();
                    if !open.is_empty()
                        && let Some(r) = cells.get("relevant")
                    {
                        relevant.push(r.to_string());
                    }
                    let label = label.clone().map(|(t, _)| t).unwrap_or(LocalText {
                        en: name.clone(),
                        fr: name.clone(),
                    });
                    if name.is_empty() || drafts.iter().any(|d| d.field.id == name) {
                        note(
                            &mut notes,
                            "a repeat without a name of its own: its questions are asked once"
                                .into(),
                        );
                        repeat = false;
                    } else {
                        let step = steps.len() - 1;
                        steps[step].fields.push(name.clone());
                        repeat_open = Some((drafts.len(), open.len()));
                        drafts.push(Draft {
                            field: question(
                                &name,
                                FieldKind::Repeat {
                                    fields: Vec::new(),
                                    max_items: None,
                                    count: None,
                                    another: None,
                                },
                                label,
                                cells.text("hint").map(|(t, _)| t),
                                None,
                            ),
                            row: row.number,
                            relevant,
                            constraint: None,
                            required: None,
                            calculate: None,
                            choice_filter: None,
                            repeat_count: cells.get("repeat_count").map(str::to_string),
                        });
                    }
                }
                open.push((
                    name.clone(),
                    label.map(|(t, _)| t),
                    cells.get("relevant").map(str::to_string),
                    repeat,
                ));
                if let Some(v) = cells.get("appearance").filter(|v| *v != "field-list") {
                    note(&mut notes, format!("appearance {v:?} is not carried over"));
                }
                continue;
            }
            RowKind::EndGroup | RowKind::EndRepeat => {
                if open.pop().is_none() {
                    note(&mut notes, "an end without its begin: ignored".into());
                }
                if repeat_open.is_some_and(|(_, depth)| open.len() <= depth) {
                    repeat_open = None;
                }
                continue;
            }
            RowKind::Metadata => {
                note(
                    &mut notes,
                    format!(
                        "{kind:?} is recorded by Outpost itself (time, device, author): not a question"
                    ),
                );
                continue;
            }
            RowKind::Unsupported(what) => {
                note(
                    &mut notes,
                    format!("type {what:?} is not supported: not imported"),
                );
                continue;
            }
            _ => {}
        }
        // Where the row goes: the open top-level group's step, or a step
        // of its own for questions outside any group.
        if open.is_empty()
            && (steps.is_empty() || !steps.last().is_some_and(|s| s.id.starts_with("part_")))
        {
            loose += 1;
            steps.push(Step {
                id: format!("part_{loose}"),
                question: title.clone(),
                help: None,
                fields: Vec::new(),
                relevant: None,
            });
        }
        let step_index = steps.len() - 1;
        if let RowKind::Note = kind_of {
            if let Some((text, _)) = label {
                help_of_step.entry(step_index).or_default().push(text);
            }
            note(&mut notes, "a note: shown as the help of its step".into());
            continue;
        }
        if name.is_empty() {
            note(&mut notes, "a question without a name: not imported".into());
            continue;
        }
        let (kind, calculated, adapted) = match kind_of {
            RowKind::Question(k, adapted) => (k, false, adapted),
            _ => (FieldKind::Text { max_length: None }, true, None),
        };
        if let Some(what) = adapted {
            note(&mut notes, what);
        }
        let kind = match (kind, cells.get("appearance")) {
            (FieldKind::Text { .. }, Some(a)) if a.split_whitespace().any(|w| w == "multiline") => {
                FieldKind::Narrative { max_length: None }
            }
            (k, Some(a)) => {
                note(&mut notes, format!("appearance {a:?} is not carried over"));
                k
            }
            (k, None) => k,
        };
        let kind = match kind {
            FieldKind::Choice { options } | FieldKind::Choices { options } if options.len() < 2 => {
                note(
                    &mut notes,
                    "a choice of fewer than two options: asked as text".into(),
                );
                FieldKind::Text { max_length: None }
            }
            k => k,
        };
        for key in ["repeat_count", "trigger", "read_only", "parameters"] {
            if let Some(v) = cells.get(key) {
                if key == "read_only"
                    && !matches!(v.to_lowercase().as_str(), "yes" | "true" | "true()")
                {
                    continue;
                }
                note(&mut notes, format!("{key} {v:?} is not carried over yet"));
            }
        }
        let default = match cells.get("default") {
            None => None,
            Some(v) => {
                let literal = literal_default(&kind, v);
                if literal.is_none() {
                    note(
                        &mut notes,
                        format!(
                            "default {v:?} is not a plain answer to this question: not carried over"
                        ),
                    );
                }
                literal
            }
        };
        let label = label.map(|(t, _)| t).unwrap_or(LocalText {
            en: name.clone(),
            fr: name.clone(),
        });
        // A question of an open repeat is asked in each entry; a file is
        // the report's, asked once.
        let member_of = match (repeat_open, &kind) {
            (
                Some(_),
                FieldKind::Photos { .. }
                | FieldKind::VoiceNotes { .. }
                | FieldKind::ReportLinks { .. },
            ) => {
                note(
                    &mut notes,
                    "a file inside a repeat: asked once for the report, not for each entry".into(),
                );
                None
            }
            (open_repeat, _) => open_repeat,
        };
        // Relevance inherited from the groups below the top one (inside
        // a repeat: below the repeat, whose own relevance hides them all).
        let mut relevant: Vec<String> = open
            .iter()
            .skip(member_of.map_or(1, |(_, depth)| depth + 1))
            .filter_map(|(_, _, r, _)| r.clone())
            .collect();
        if let Some(r) = cells.get("relevant") {
            relevant.push(r.to_string());
        }
        let required = cells.get("required").map(str::to_string);
        let constraint = cells.get("constraint").map(|c| {
            (
                c.to_string(),
                cells.text("constraint_message").map(|(t, _)| t),
            )
        });
        let calculate = if calculated {
            match cells.get("calculation") {
                Some(c) => Some(c.to_string()),
                None => {
                    note(
                        &mut notes,
                        "a calculation without its formula: not imported".into(),
                    );
                    continue;
                }
            }
        } else {
            if let Some(c) = cells.get("calculation") {
                note(
                    &mut notes,
                    format!("calculation {c:?} on a question that is typed: not carried over"),
                );
            }
            None
        };
        if drafts.iter().any(|d| d.field.id == name) {
            note(
                &mut notes,
                "a second question of the same name: not imported".into(),
            );
            continue;
        }
        match member_of {
            Some((r, _)) => {
                if let FieldKind::Repeat { fields, .. } = &mut drafts[r].field.kind {
                    fields.push(name.clone());
                }
            }
            None => steps[step_index].fields.push(name.clone()),
        }
        drafts.push(Draft {
            field: question(
                &name,
                kind,
                label,
                cells.text("hint").map(|(t, _)| t),
                default,
            ),
            row: row.number,
            relevant,
            constraint,
            required,
            calculate,
            choice_filter: cells.get("choice_filter").map(str::to_string),
            repeat_count: None,
        });
    }
    if !open.is_empty() {
        whole(
            &mut notes,
            format!("{} group(s) never ended: closed at the end", open.len()),
        );
    }
    if drafts.is_empty() {
        return Err(XlsFormError::NoQuestions);
    }
    if no_french > 0 {
        whole(
            &mut notes,
            format!(
                "{no_french} row(s) have an English text and no French one: the English is shown in French too"
            ),
        );
    }

    // Names the expressions may read.
    let known: BTreeSet<String> = drafts.iter().map(|d| d.field.id.clone()).collect();
    let parse =
        |source: &str, notes: &mut Vec<Note>, at: (usize, &str), key: &str, instead: &str| {
            let refused = |why: String, notes: &mut Vec<Note>| {
                notes.push(Note {
                    row: at.0,
                    name: at.1.to_string(),
                    what: format!("{key} {source:?}: {why}; {instead}"),
                });
                None
            };
            // Spreadsheets turn typed quotes into typographic ones; an
            // expression means the plain ones.
            let plain: String = source
                .chars()
                .map(|c| match c {
                    '\u{2018}' | '\u{2019}' => '\'',
                    '\u{201C}' | '\u{201D}' => '"',
                    other => other,
                })
                .collect();
            if plain != source {
                notes.push(Note {
                    row: at.0,
                    name: at.1.to_string(),
                    what: format!("{key} {source:?}: typographic quotes read as plain ones"),
                });
            }
            let source = plain.as_str();
            let parsed = if key == "choice_filter" {
                Expression::parse_filter(source)
            } else {
                Expression::parse(source)
            };
            match parsed {
                Err(e) => refused(format!("not understood ({e})"), notes),
                Ok(e) => match e.fields().into_iter().find(|f| !known.contains(*f)) {
                    Some(missing) => refused(
                        format!("reads ${{{missing}}}, which was not imported"),
                        notes,
                    ),
                    None if key != "constraint" && e.reads_current() => {
                        refused("reads \".\" outside a constraint".into(), notes)
                    }
                    None => Some(e),
                },
            }
        };
    let mut fields = Vec::with_capacity(drafts.len());
    let mut dropped_calculations = BTreeSet::new();
    for d in &drafts {
        let mut field = d.field.clone();
        let at = (d.row, d.field.id.as_str());
        if !d.relevant.is_empty() {
            let source = if d.relevant.len() == 1 {
                d.relevant[0].clone()
            } else {
                d.relevant
                    .iter()
                    .map(|r| format!("({r})"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            };
            field.relevant = parse(
                &source,
                &mut notes,
                at,
                "relevant",
                "the question is always asked",
            );
        }
        if let Some(r) = &d.required {
            match r.to_lowercase().as_str() {
                "yes" | "true" | "true()" | "1" => field.required = true,
                "no" | "false" | "false()" | "0" => {}
                _ => {
                    field.required_when =
                        parse(r, &mut notes, at, "required", "the answer is not required");
                }
            }
        }
        if let Some((c, message)) = &d.constraint {
            field.constraint = parse(c, &mut notes, at, "constraint", "the answer is not checked")
                .map(|condition| Constraint {
                    condition,
                    message: message.clone(),
                });
        }
        if let Some(c) = &d.choice_filter {
            if matches!(
                field.kind,
                FieldKind::Choice { .. } | FieldKind::Choices { .. }
            ) {
                field.choice_filter = parse(
                    c,
                    &mut notes,
                    at,
                    "choice_filter",
                    "every option is offered",
                );
            } else {
                notes.push(Note {
                    row: d.row,
                    name: d.field.id.clone(),
                    what: format!(
                        "choice_filter {c:?} on a question that is not a choice: not carried over"
                    ),
                });
            }
        }
        if let (Some(c), FieldKind::Repeat { count, .. }) = (&d.repeat_count, &mut field.kind) {
            *count = parse(
                c,
                &mut notes,
                at,
                "repeat_count",
                "entries are added one by one",
            );
        }
        if let Some(c) = &d.calculate {
            match parse(
                c,
                &mut notes,
                at,
                "calculation",
                "the calculation is not imported",
            ) {
                Some(e) => field.calculate = Some(e),
                None => {
                    dropped_calculations.insert(field.id.clone());
                    continue;
                }
            }
        }
        fields.push(field);
    }
    // A dropped calculation can leave expressions reading it: those go too
    // (rare; said for each).
    if !dropped_calculations.is_empty() {
        for f in &mut fields {
            for (key, e) in [
                ("relevant", &mut f.relevant),
                ("required", &mut f.required_when),
                ("calculation", &mut f.calculate),
                ("choice_filter", &mut f.choice_filter),
            ] {
                if e.as_ref()
                    .is_some_and(|e| e.fields().iter().any(|r| dropped_calculations.contains(*r)))
                {
                    notes.push(Note {
                        row: 0,
                        name: f.id.clone(),
                        what: format!(
                            "{key} reads a calculation that was not imported: not carried over"
                        ),
                    });
                    *e = None;
                }
            }
            if f.constraint.as_ref().is_some_and(|c| {
                c.condition
                    .fields()
                    .iter()
                    .any(|r| dropped_calculations.contains(*r))
            }) {
                f.constraint = None;
            }
        }
        fields.retain(|f| !(f.calculate.is_none() && dropped_calculations.contains(&f.id)));
    }
    // A repeat keeps the questions that were imported; one left with none
    // is no question.
    let kept: BTreeSet<String> = fields.iter().map(|f| f.id.clone()).collect();
    let mut empty_repeats = BTreeSet::new();
    for f in &mut fields {
        if let FieldKind::Repeat {
            fields: members, ..
        } = &mut f.kind
        {
            members.retain(|m| kept.contains(m));
            if members.is_empty() {
                empty_repeats.insert(f.id.clone());
                notes.push(Note {
                    row: drafts
                        .iter()
                        .find(|d| d.field.id == f.id)
                        .map_or(0, |d| d.row),
                    name: f.id.clone(),
                    what: "a repeat with no question Outpost can ask: not imported".into(),
                });
            }
        }
    }
    fields.retain(|f| !empty_repeats.contains(&f.id));
    let field_ids: BTreeSet<&str> = fields.iter().map(|f| f.id.as_str()).collect();
    for s in &mut steps {
        s.fields.retain(|f| field_ids.contains(f.as_str()));
    }
    // A group's relevance becomes its step's, once every field is known.
    for (index, row, name, source) in step_relevance {
        let parsed = parse(
            &source,
            &mut notes,
            (row, name.as_str()),
            "relevant",
            "the group is always asked",
        );
        steps[index].relevant = match parsed {
            Some(e) if e.fields().iter().all(|f| field_ids.contains(*f)) => Some(e),
            Some(_) => {
                notes.push(Note {
                    row,
                    name: name.clone(),
                    what: format!("relevant {source:?} reads a calculation that was not imported; the group is always asked"),
                });
                None
            }
            None => None,
        };
    }
    for (i, texts) in help_of_step {
        if let Some(step) = steps.get_mut(i) {
            let join = |lang: Lang| {
                texts
                    .iter()
                    .map(|t| t.get(lang).to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            step.help = Some(LocalText {
                en: join(Lang::En),
                fr: join(Lang::Fr),
            });
        }
    }
    // A group left without a question (only notes, metadata or types not
    // supported) makes no step: said with its row.
    for (i, s) in steps.iter().enumerate() {
        if s.fields.is_empty() {
            let row = group_rows.get(&i).copied().unwrap_or(0);
            notes.push(Note {
                row,
                name: s.id.clone(),
                what: "a group with no question Outpost can ask: no step".into(),
            });
        }
    }
    steps.retain(|s| !s.fields.is_empty());
    if fields.is_empty() {
        return Err(XlsFormError::NoQuestions);
    }
    let mut form = Form {
        description: LocalText {
            en: format!("{} (imported from an XLSForm)", title.en),
            fr: format!("{} (importé d'un XLSForm)", title.fr),
        },
        id,
        version,
        title,
        summary_fields: Vec::new(),
        fields,
        steps,
        rules: Vec::new(),
        headquarters_only: false,
    };
    // A report's title: its first two typed texts or choices (not those of
    // a repeat's entries, which have one answer each).
    form.summary_fields = form
        .report_fields()
        .filter(|f| {
            matches!(f.kind, FieldKind::Text { .. } | FieldKind::Choice { .. })
                && f.calculate.is_none()
        })
        .take(2)
        .map(|f| f.id.clone())
        .collect();
    // A default the question itself refuses (out of its range, against its
    // constraint) is left out, with its row, rather than the whole form.
    let far = crate::Timestamp::from_millis(32_503_680_000_000);
    let refused: Vec<crate::Problem> = crate::validate::validate_answers(
        &form,
        &form.defaults(),
        far,
        Lang::En,
        crate::validate::Completeness::Draft,
    );
    for p in refused {
        if let Some(f) = form
            .fields
            .iter_mut()
            .find(|f| f.id == p.field && f.default.is_some())
        {
            f.default = None;
            notes.push(Note {
                row: drafts
                    .iter()
                    .find(|d| d.field.id == p.field)
                    .map_or(0, |d| d.row),
                name: p.field.clone(),
                what: format!(
                    "default refused by the question itself ({}): not carried over",
                    p.message
                ),
            });
        }
    }
    form.check()?;
    // In the order of the sheet; notes on the whole form first.
    notes.sort_by_key(|n| n.row);
    Ok(Imported {
        form,
        notes,
        rows: book.survey.len(),
    })
}

/// A default written as a plain answer of `kind` (not an expression):
/// the JSON answer it stands for.
fn literal_default(kind: &FieldKind, v: &str) -> Option<Value> {
    if v.contains("${") || v.contains('(') {
        return None;
    }
    match kind {
        FieldKind::Text { .. } | FieldKind::Narrative { .. } => Some(Value::String(v.to_string())),
        FieldKind::Integer { .. } => v.trim().parse::<i64>().ok().map(Value::from),
        FieldKind::Decimal { .. } => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Value::from),
        FieldKind::Choice { options } => options
            .iter()
            .any(|o| o.value == v.trim())
            .then(|| Value::String(v.trim().to_string())),
        FieldKind::Choices { options } => {
            let values: Vec<&str> = v.split_whitespace().collect();
            (!values.is_empty() && values.iter().all(|x| options.iter().any(|o| o.value == *x)))
                .then(|| Value::from(values))
        }
        FieldKind::Datetime { .. } => {
            let t = v.trim();
            let full = if t.len() == 10 {
                format!("{t}T00:00:00Z")
            } else {
                t.to_string()
            };
            crate::Timestamp::parse_rfc3339(&full).map(|_| Value::String(full))
        }
        _ => None,
    }
}

/// A question as a row makes it, before its logic is read (its label is
/// also how the debrief asks it).
fn question(
    id: &str,
    kind: FieldKind,
    label: LocalText,
    help: Option<LocalText>,
    default: Option<Value>,
) -> Field {
    Field {
        id: id.to_string(),
        kind,
        required: false,
        prompt: label.clone(),
        label,
        help,
        example: Value::Null,
        default,
        relevant: None,
        required_when: None,
        constraint: None,
        calculate: None,
        choice_filter: None,
    }
}

/// A step id from a group's name (unique by its position).
fn step_id(name: &str, index: usize) -> String {
    if name.is_empty() {
        format!("group_{}", index + 1)
    } else {
        name.to_string()
    }
}
