//! `outpost report …`

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use outpost_report::pipeline::{self, QipStage, StageEntry};
use outpost_report::time::{Clock, SystemClock};
use outpost_report::validate::{Completeness, validate_report};
use outpost_report::{Classification, Form, Lang, NewReport, ReportDoc, ReportId, ReviewStatus};
use outpost_report::{policy, readback};
use outpost_store::{ReportOrder, Store};
use serde_json::{Map, Value};

use super::failure::CliError;
use super::filter::FilterArgs;
use super::store::open;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Relation {
    SameIncident,
    Related,
}

impl Relation {
    fn as_str(self) -> &'static str {
        match self {
            Relation::SameIncident => "same_incident",
            Relation::Related => "related",
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Json,
    Automerge,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Create a report from a JSON answers file; prints the new report's id.
    Create {
        /// patrol, incident or qip
        #[arg(long)]
        kind: String,
        /// JSON object of field id -> answer (`-` for standard input).
        #[arg(long)]
        answers: PathBuf,
        /// UNCLASSIFIED, CONFIDENTIAL or STRICTLY CONFIDENTIAL.
        #[arg(long, default_value = "UNCLASSIFIED")]
        classification: String,
        /// The language the report is written in (default: the message language).
        #[arg(long)]
        lang: Option<String>,
        /// Keep it as a draft: missing required answers are allowed.
        #[arg(long)]
        draft: bool,
        #[arg(long)]
        author: Option<String>,
        #[arg(long)]
        unit: Option<String>,
    },
    /// Print a complete example answers file for a kind.
    Template {
        #[arg(long)]
        kind: String,
    },
    /// List reports, newest first.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        filter: FilterArgs,
        /// Oldest events first instead of the most recently changed first.
        #[arg(long)]
        chronological: bool,
    },
    /// Show one report with its answers, conflicts, comments and photos.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Add a comment (a review note, a question, an answer) to a report.
    Comment {
        id: String,
        #[arg(long)]
        text: String,
        /// The author shown on the comment (default: this device's profile).
        #[arg(long)]
        author: Option<String>,
        /// A question addressed to the author (shown to them as one).
        #[arg(long)]
        question: bool,
    },
    /// Let another unit or a whole sector receive a report (up to their clearance).
    Share {
        id: String,
        #[arg(long, required_unless_present = "sector")]
        unit: Option<String>,
        #[arg(long)]
        sector: Option<String>,
    },
    /// Move a report through review: submitted, under_review, needs_information, verified, closed.
    Review {
        id: String,
        #[arg(long)]
        status: String,
    },
    /// Link two reports a reviewer has confirmed belong together: `same_incident`
    /// (several sources of one event) or `related`. Both reports keep the link
    /// and every source stays whole.
    Link {
        id: String,
        #[arg(long)]
        to: String,
        #[arg(long, value_enum, default_value = "same-incident")]
        relation: Relation,
    },
    /// Release a report at a lower classification (headquarters): a new
    /// report with a history of its own holding what the report says now,
    /// linked to the original, shared with the original's unit; the
    /// original, with its history, stays at its level. Prints the new id.
    Declassify {
        id: String,
        /// UNCLASSIFIED or CONFIDENTIAL: lower than the report's.
        #[arg(long)]
        to: String,
    },
    /// Write a report as a print-ready HTML page in the message language
    /// (`--ui-lang fr` for French), classification on every page.
    Print {
        id: String,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Move a QIP assessment along its pipeline: assessed, proposed, approved, funded, delivered.
    Stage {
        id: String,
        #[arg(long)]
        to: String,
        /// Who decided (default: this device's profile).
        #[arg(long)]
        by: Option<String>,
    },
    /// Reports a reviewer should look at with this one: for an incident, others
    /// likely telling of the same event; for a QIP assessment, likely duplicates
    /// or overlaps. Only reports within the viewer's clearance.
    Suggest {
        id: String,
        #[arg(long)]
        json: bool,
        /// View as someone cleared to this level (at most the device's own).
        #[arg(long)]
        clearance: Option<String>,
    },
    /// QIP assessments by stage, with the days each has spent in it; overdue ones marked.
    Pipeline {
        #[arg(long)]
        json: bool,
        /// Only the overdue ones.
        #[arg(long)]
        overdue: bool,
    },
    /// Export a report as JSON or as a standard automerge document file.
    Export {
        id: String,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(cmd: ReportCommand, dir: &Path, lang: Lang) -> Result<()> {
    match cmd {
        ReportCommand::Create {
            kind,
            answers,
            classification,
            lang: written_in,
            draft,
            author,
            unit,
        } => {
            let level: Classification = super::filter::level(&classification)?;
            let written_in = match written_in {
                Some(l) => l
                    .parse()
                    .map_err(|_| CliError::UnknownLanguage { given: l.clone() })?,
                None => lang,
            };
            let mut store = open(dir)?;
            let form = form_of(&store, &kind)?;
            // The form's defaults, under what the file answers.
            let mut given = form.defaults();
            given.extend(read_answers(&answers)?);
            for (id, value) in given.iter_mut() {
                form.default_new_entries(id, value);
            }
            let answers = given;
            let now = SystemClock.now();
            let completeness = if draft {
                Completeness::Draft
            } else {
                Completeness::Complete
            };
            let new = new_report(&store, author, unit, written_in, level, draft)?;
            let mut doc = ReportDoc::create(&form, &new, now)?;
            doc.set_answers(&answers, now)?;
            // Answers to questions the form does not ask, given the other
            // answers, are not kept (told once the report is saved).
            let not_asked = doc.settle(&form, now)?.cleared;
            // Checked as a report, before anything is saved: the answers,
            // and that the files they name are held.
            let problems = validate_report(&form, &doc, now, lang, completeness);
            if !problems.is_empty() {
                return Err(CliError::InvalidAnswers(problems).into());
            }
            store.save(&mut doc, now).context("saving the report")?;
            for field in not_asked {
                let label = form
                    .field(&field)
                    .map_or(field.clone(), |f| f.label.get(lang).to_string());
                eprintln!(
                    "{}",
                    outpost_report::i18n::message(
                        lang,
                        "report.answer_not_asked",
                        &[("field", label), ("id", field)]
                    )
                );
            }
            println!("{}", doc.id());
        }
        ReportCommand::Template { kind } => {
            let store = open(dir)?;
            let form = form_of(&store, &kind)?;
            println!("{}", serde_json::to_string_pretty(&form.template())?);
        }
        ReportCommand::List {
            json,
            filter,
            chronological,
        } => {
            let store = open(dir)?;
            let filter = filter.filter(if chronological {
                ReportOrder::HappenedAscending
            } else {
                ReportOrder::Updated
            })?;
            let reports = store.list(&filter)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&reports)?);
            } else {
                for r in &reports {
                    println!(
                        "{}  {:<8}  {:<17}  {:<21}  {}  {}",
                        r.id, r.kind, r.status, r.classification, r.updated_at, r.title
                    );
                }
                eprintln!("{} report(s)", reports.len());
            }
        }
        ReportCommand::Show { id, json } => {
            let store = open(dir)?;
            let mut doc = store.load(parse_id(&id)?)?;
            let delivery = store.delivery(doc.id())?;
            if json {
                let mut value = doc.to_json();
                value["delivery"] = serde_json::to_value(&delivery)?;
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                print_report(&store, &mut doc, lang);
                for d in delivery {
                    let at = if d.at_hub { "at hub" } else { "not yet at hub" };
                    println!(
                        "\n  {}: {at}; {} of {} photo file(s) still waiting",
                        d.hub, d.photo_files_waiting, d.photo_files
                    );
                }
            }
        }
        ReportCommand::Comment {
            id,
            text,
            author,
            question,
        } => {
            let mut store = open(dir)?;
            if question {
                offers_review(&store)?;
            }
            let id = parse_id(&id)?;
            let now = SystemClock.now();
            let comment = outpost_report::document::Comment {
                id: outpost_report::CommentId::from_uuid(uuid::Uuid::now_v7()),
                author: author.unwrap_or(store.profile()?.author),
                device: store.device_id().to_string(),
                at: now,
                lang,
                text,
                question,
            };
            store.update(id, now, |doc| Ok(doc.add_comment(&comment)?))?;
            println!("{}", comment.id);
        }
        ReportCommand::Share { id, unit, sector } => {
            let mut store = open(dir)?;
            offers_review(&store)?;
            let by = store.profile()?.author;
            let now = SystemClock.now();
            let grantees: Vec<String> = unit
                .into_iter()
                .chain(sector.map(|s| format!("sector:{s}")))
                .collect();
            store.update(parse_id(&id)?, now, |doc| {
                for g in &grantees {
                    doc.share_with(g, &by, now)?;
                }
                Ok(())
            })?;
        }
        ReportCommand::Review { id, status } => {
            let status: ReviewStatus = status.parse().map_err(|e| {
                anyhow::anyhow!("{e}; expected one of submitted, under_review, needs_information, verified, closed")
            })?;
            let mut store = open(dir)?;
            if !policy::device_may_set_status(store.enrolled_role()?, status) {
                return Err(CliError::Refused(policy::Refusal::HqOnly).into());
            }
            let now = SystemClock.now();
            store.update(parse_id(&id)?, now, |doc| Ok(doc.set_status(status, now)?))?;
        }
        ReportCommand::Link { id, to, relation } => {
            let mut store = open(dir)?;
            let (a, b) = (parse_id(&id)?, parse_id(&to)?);
            outpost_review::link(&mut store, a, b, relation.as_str(), SystemClock.now())?;
        }
        ReportCommand::Declassify { id, to } => {
            let level: Classification = to
                .parse()
                .map_err(|_| CliError::UnknownClassification { given: to.clone() })?;
            let mut store = open(dir)?;
            offers_review(&store)?;
            let copy =
                outpost_review::declassify(&mut store, parse_id(&id)?, level, SystemClock.now())?;
            println!("{copy}");
        }
        ReportCommand::Print { id, out } => {
            let store = open(dir)?;
            let doc = store.load(parse_id(&id)?)?;
            let form = store
                .catalog()
                .form_of(&doc)
                .cloned()
                .map_or_else(|| form_of(&store, &doc.form_id()), Ok)?;
            let page = outpost_export::print::report_html(&form, &doc, lang);
            super::write_out(out.as_deref(), page.as_bytes())?;
        }
        ReportCommand::Stage { id, to, by } => {
            let stage: QipStage = to
                .parse()
                .map_err(|e: pipeline::UnknownStage| CliError::UnknownStage { given: e.given })?;
            let mut store = open(dir)?;
            offers_review(&store)?;
            let id = parse_id(&id)?;
            let by = match by {
                Some(b) => b,
                None => store.profile()?.author,
            };
            let now = SystemClock.now();
            store.update(id, now, |doc| {
                Ok(doc.enter_stage(&StageEntry { stage, at: now, by })?)
            })?;
        }
        ReportCommand::Suggest {
            id,
            json,
            clearance,
        } => {
            let store = open(dir)?;
            let id = parse_id(&id)?;
            let clearance = super::filter::viewer_clearance(&store, clearance.as_deref())?;
            let suggestions = outpost_review::suggest(&store, id, clearance)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&suggestions)?);
            } else {
                for s in &suggestions {
                    println!(
                        "{}  {:>6} km  {:>6.0} h apart  [{}]  {}",
                        s.report,
                        s.distance_km.map_or("?".into(), |d| format!("{d:.1}")),
                        s.hours_apart,
                        s.reasons.join(", "),
                        s.title
                    );
                }
                eprintln!("{} suggestion(s)", suggestions.len());
            }
        }
        ReportCommand::Pipeline { json, overdue } => {
            let store = open(dir)?;
            let now = SystemClock.now();
            let qips = outpost_store::ReportFilter {
                kind: Some(outpost_report::pipeline::PIPELINE_FORM.into()),
                ..Default::default()
            };
            let mut found = Vec::new();
            for r in store.list(&qips)? {
                // The list row knows the stage and since when: with
                // --overdue, only assessments that are overdue are read.
                let stage = r.pipeline_stage.as_deref().and_then(|s| s.parse().ok());
                if overdue
                    && let (Some(stage), Some(since)) = (stage, r.stage_since)
                    && !pipeline::overdue(stage, since, now)
                {
                    continue;
                }
                let doc = store.load(r.id)?;
                let status = pipeline::status(&doc.stage_entries(), r.created_at, now);
                if !overdue || status.overdue {
                    found.push((r, status));
                }
            }
            found.sort_by_key(|(_, status)| std::cmp::Reverse(status.days_in_stage));
            let lines: Vec<serde_json::Value> = found
                .into_iter()
                .map(|(r, status)| {
                    serde_json::json!({
                        "id": r.id, "title": r.title, "classification": r.classification,
                        "stage": status.stage, "since": status.since,
                        "days_in_stage": status.days_in_stage, "overdue": status.overdue,
                        "days_per_stage": status.days_per_stage,
                    })
                })
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&lines)?);
            } else {
                for l in &lines {
                    println!(
                        "{}  {:<10} {:>4} day(s){}  {}",
                        l["id"].as_str().unwrap_or_default(),
                        l["stage"].as_str().unwrap_or_default(),
                        l["days_in_stage"],
                        if l["overdue"] == true {
                            "  OVERDUE"
                        } else {
                            ""
                        },
                        l["title"].as_str().unwrap_or_default()
                    );
                }
                eprintln!("{} assessment(s)", lines.len());
            }
        }
        ReportCommand::Export { id, format, out } => {
            let store = open(dir)?;
            let id = parse_id(&id)?;
            let bytes = match format {
                ExportFormat::Automerge => store.document_bytes(id)?,
                ExportFormat::Json => {
                    let mut text = serde_json::to_string_pretty(&store.load(id)?.to_json())?;
                    text.push('\n');
                    text.into_bytes()
                }
            };
            super::write_out(out.as_deref(), &bytes)?;
        }
    }
    Ok(())
}

pub fn parse_id(id: &str) -> Result<ReportId> {
    Ok(id
        .parse()
        .map_err(|_| CliError::BadReportId(id.to_string()))?)
}

fn form_of(store: &Store, kind: &str) -> Result<Form> {
    store.catalog().get(kind).cloned().ok_or_else(|| {
        CliError::UnknownKind {
            kind: kind.to_string(),
            known: store.catalog().ids().map(str::to_string).collect(),
        }
        .into()
    })
}

fn read_answers(path: &Path) -> Result<Map<String, Value>> {
    let mut bytes = Vec::new();
    let read = if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    read.map_err(|source| CliError::AnswersUnreadable {
        path: path.display().to_string(),
        source,
    })?;
    // Editors on some systems start UTF-8 files with a byte order mark; it
    // says nothing about the answers.
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(text).map_err(|e| CliError::AnswersNotUtf8 {
        at: e.valid_up_to(),
    })?;
    match serde_json::from_str::<Value>(text).map_err(CliError::BadJson)? {
        Value::Object(map) => Ok(map),
        _ => Err(CliError::AnswersNotObject.into()),
    }
}

pub fn new_report(
    store: &Store,
    author: Option<String>,
    unit: Option<String>,
    language: Lang,
    classification: Classification,
    draft: bool,
) -> Result<NewReport> {
    let profile = store.profile()?;
    Ok(NewReport {
        id: ReportId::from_uuid(uuid::Uuid::now_v7()),
        author: author.unwrap_or(profile.author),
        author_unit: unit.unwrap_or(profile.unit),
        sector: profile.sector,
        device: store.device_id(),
        language,
        classification,
        status: if draft {
            ReviewStatus::Draft
        } else {
            ReviewStatus::Submitted
        },
    })
}

fn print_report(store: &Store, doc: &mut ReportDoc, lang: Lang) {
    let form = store.catalog().form_of(doc);
    let meta = doc.meta();
    let title = form
        .map(|f| doc.title(f, lang))
        .unwrap_or_else(|| doc.form_id());
    println!("{title}");
    println!("  id:             {}", doc.id());
    println!(
        "  kind:           {} (form version {})",
        doc.form_id(),
        doc.form_version()
    );
    println!("  status:         {}", meta.status);
    println!("  classification: {}", meta.classification);
    println!("  written in:     {}", meta.language);
    println!("  author:         {} ({})", meta.author, meta.author_unit);
    println!("  device:         {}", meta.device);
    println!("  created:        {}", meta.created_at);
    println!("  updated:        {}", meta.updated_at);
    println!();
    let answers = doc.answers();
    let order: Vec<String> = match form {
        Some(f) => f
            .fields
            .iter()
            .map(|x| x.id.clone())
            .filter(|id| answers.contains_key(id))
            .collect(),
        None => answers.keys().cloned().collect(),
    };
    for id in order {
        let label = form
            .and_then(|f| f.field(&id))
            .map(|f| f.label.get(lang).to_string())
            .unwrap_or(id.clone());
        println!(
            "  {label}: {}",
            match form.and_then(|f| f.field(&id)) {
                Some(field) => readback::display_value(field, &answers[&id], lang),
                None => answers[&id].to_string(),
            }
        );
    }
    for c in doc.conflicts() {
        println!("\n  CONFLICT {}:", c.path);
        for v in &c.values {
            println!("    - {v}");
        }
    }
    let comments = doc.comments();
    if !comments.is_empty() {
        println!("\n  comments:");
        for c in comments {
            println!("    {} {}: {}", c.at, c.author, c.text);
        }
    }
    let photos = doc.photos();
    if !photos.is_empty() {
        println!("\n  photos:");
        for p in photos {
            println!("    {} (added {})", p.id, p.added_at);
            for (name, v) in [
                ("original", &p.original),
                ("preview", &p.preview),
                ("thumbnail", &p.thumbnail),
            ] {
                let held = if store.has_blob(&v.sha256).unwrap_or(false) {
                    ""
                } else {
                    "  (not on this device)"
                };
                println!(
                    "      {name:<9} {}  {}x{}  {} bytes{held}",
                    v.sha256, v.width, v.height, v.bytes
                );
            }
        }
    }
}

/// Refuses headquarters' actions on a device enrolled for the field: the hub
/// would refuse them at sync (`policy.hq_only`), so they are not done here.
fn offers_review(store: &outpost_store::Store) -> Result<()> {
    if policy::device_offers_review(store.enrolled_role()?) {
        Ok(())
    } else {
        Err(CliError::Refused(policy::Refusal::HqOnly).into())
    }
}
