//! The weekly summary headquarters prints or sends on: what happened in one
//! week across every sector (counts by kind, sector and status, each incident
//! in a line), where the QIP pipeline stands with the overdue assessments,
//! and what is still waiting for an answer. Print-ready HTML in French or
//! English, cut at the reader's clearance, and marked with the highest
//! classification of anything in it.

use std::collections::BTreeMap;

use html_escape::encode_text as esc;
use outpost_report::i18n::{self, Lang};
use outpost_report::pipeline::{self, QipStage};
use outpost_report::{Classification, ReviewStatus, STANDING_QUESTION, Timestamp};
use outpost_store::{ReportFilter, ReportOrder, ReportSummary, Store, StoreError};

use crate::print::{page, t};

const DAY_MS: i64 = 86_400_000;

fn day(at: Timestamp) -> String {
    at.to_rfc3339().chars().take(10).collect()
}

fn kind_name(store: &Store, kind: &str, lang: Lang) -> String {
    store
        .catalog()
        .get(kind)
        .map_or_else(|| kind.to_string(), |f| f.title.get(lang).to_string())
}

fn status_name(status: &str, lang: Lang) -> String {
    let code = format!("status.{status}");
    if i18n::has_message(lang, &code) {
        t(lang, &code, &[])
    } else {
        status.to_string()
    }
}

fn row(cells: &[String]) -> String {
    let cells: String = cells
        .iter()
        .map(|c| format!("<td>{}</td>", esc(c)))
        .collect();
    format!("<tr>{cells}</tr>")
}

fn table(head: &[String], rows: &[String]) -> String {
    let head: String = head
        .iter()
        .map(|h| format!("<th>{}</th>", esc(h)))
        .collect();
    format!(
        "<table><thead><tr>{head}</tr></thead><tbody>{}</tbody></table>\n",
        rows.concat()
    )
}

/// The summary of the seven days from `from`, for someone cleared to
/// `clearance`, as of `now`.
pub fn weekly_html(
    store: &Store,
    clearance: Classification,
    from: Timestamp,
    now: Timestamp,
    lang: Lang,
) -> Result<String, StoreError> {
    let until = Timestamp::from_millis(from.as_millis().saturating_add(7 * DAY_MS));
    let week = store.list(&ReportFilter {
        from: Some(from),
        until: Some(until),
        clearance: Some(clearance),
        order: ReportOrder::HappenedAscending,
        ..Default::default()
    })?;
    let week: Vec<ReportSummary> = week
        .into_iter()
        .filter(|r| r.kind != STANDING_QUESTION)
        .collect();
    // Standing questions are listed below with the open ones, whatever
    // their review status: never twice.
    let waiting: Vec<ReportSummary> = store
        .list(&ReportFilter {
            status: Some(ReviewStatus::NeedsInformation),
            clearance: Some(clearance),
            ..Default::default()
        })?
        .into_iter()
        .filter(|r| r.kind != STANDING_QUESTION)
        .collect();
    let qips = store.list(&ReportFilter {
        kind: Some(outpost_report::pipeline::PIPELINE_FORM.into()),
        clearance: Some(clearance),
        ..Default::default()
    })?;
    let questions: Vec<ReportSummary> = store
        .list(&ReportFilter {
            kind: Some(STANDING_QUESTION.into()),
            clearance: Some(clearance),
            ..Default::default()
        })?
        .into_iter()
        .filter(|r| r.status != ReviewStatus::Closed.as_str())
        .collect();

    // The page carries the highest level of anything printed on it.
    let level = week
        .iter()
        .chain(&waiting)
        .chain(&qips)
        .chain(&questions)
        .filter_map(|r| r.classification.parse::<Classification>().ok())
        .max()
        .unwrap_or(Classification::Unclassified);
    let title = t(
        lang,
        "summary.title",
        &[
            ("from", day(from)),
            (
                "until",
                day(Timestamp::from_millis(
                    until.as_millis().saturating_sub(DAY_MS),
                )),
            ),
        ],
    );
    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"kind\">{}</p>\n",
        esc(&title),
        esc(&t(
            lang,
            "summary.scope",
            &[
                ("count", week.len().to_string()),
                ("clearance", clearance.as_str().to_string()),
            ]
        ))
    );

    // Counts: kind by sector, and by status.
    let mut by_sector: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    for r in &week {
        *by_sector
            .entry((r.sector.clone(), r.kind.clone()))
            .or_default() += 1;
        *by_status.entry(r.status.clone()).or_default() += 1;
    }
    let kinds: Vec<String> = {
        let mut k: Vec<String> = week.iter().map(|r| r.kind.clone()).collect();
        k.sort();
        k.dedup();
        k
    };
    let sectors: Vec<String> = {
        let mut s: Vec<String> = week.iter().map(|r| r.sector.clone()).collect();
        s.sort();
        s.dedup();
        s
    };
    body.push_str(&format!(
        "<h2>{}</h2>",
        esc(&t(lang, "summary.by_sector", &[]))
    ));
    let mut head = vec![t(lang, "summary.sector", &[])];
    head.extend(kinds.iter().map(|k| kind_name(store, k, lang)));
    let rows: Vec<String> = sectors
        .iter()
        .map(|s| {
            let mut cells = vec![s.clone()];
            cells.extend(kinds.iter().map(|k| {
                by_sector
                    .get(&(s.clone(), k.clone()))
                    .copied()
                    .unwrap_or(0)
                    .to_string()
            }));
            row(&cells)
        })
        .collect();
    body.push_str(&table(&head, &rows));
    let rows: Vec<String> = by_status
        .iter()
        .map(|(s, n)| row(&[status_name(s, lang), n.to_string()]))
        .collect();
    body.push_str(&format!(
        "<h2>{}</h2>",
        esc(&t(lang, "summary.by_status", &[]))
    ));
    body.push_str(&table(
        &[
            t(lang, "print.status", &[]),
            t(lang, "summary.reports", &[]),
        ],
        &rows,
    ));

    // Every incident of the week in a line, with its own classification.
    let incidents: Vec<String> = week
        .iter()
        .filter(|r| r.kind == "incident")
        .map(|r| {
            row(&[
                day(r.happened_at),
                r.place.clone().unwrap_or_default(),
                r.title.clone(),
                r.author_unit.clone(),
                status_name(&r.status, lang),
                r.classification.clone(),
            ])
        })
        .collect();
    body.push_str(&format!(
        "<h2>{}</h2>",
        esc(&t(
            lang,
            "summary.incidents",
            &[("count", incidents.len().to_string())]
        ))
    ));
    if !incidents.is_empty() {
        body.push_str(&table(
            &[
                t(lang, "summary.date", &[]),
                t(lang, "summary.place", &[]),
                t(lang, "summary.what", &[]),
                t(lang, "print.unit", &[]),
                t(lang, "print.status", &[]),
                t(lang, "summary.classification", &[]),
            ],
            &incidents,
        ));
    }

    // The QIP pipeline as of now: how many at each stage, the overdue ones named.
    let mut at_stage: BTreeMap<QipStage, u64> = BTreeMap::new();
    let mut overdue = Vec::new();
    for q in &qips {
        let stage = q
            .pipeline_stage
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(QipStage::Assessed);
        let since = q.stage_since.unwrap_or(q.created_at);
        *at_stage.entry(stage).or_default() += 1;
        if pipeline::overdue(stage, since, now) {
            overdue.push(row(&[
                q.title.clone(),
                t(lang, &format!("stage.{}", stage.as_str()), &[]),
                pipeline::days_between(since, now).to_string(),
                q.classification.clone(),
            ]));
        }
    }
    body.push_str(&format!(
        "<h2>{}</h2>",
        esc(&t(lang, "summary.pipeline", &[]))
    ));
    let stages: Vec<String> = QipStage::ALL
        .iter()
        .map(|s| {
            row(&[
                t(lang, &format!("stage.{}", s.as_str()), &[]),
                at_stage.get(s).copied().unwrap_or(0).to_string(),
            ])
        })
        .collect();
    body.push_str(&table(
        &[
            t(lang, "summary.stage", &[]),
            t(lang, "summary.reports", &[]),
        ],
        &stages,
    ));
    if !overdue.is_empty() {
        body.push_str(&format!(
            "<h3>{}</h3>",
            esc(&t(
                lang,
                "summary.overdue",
                &[("count", overdue.len().to_string())]
            ))
        ));
        body.push_str(&table(
            &[
                t(lang, "summary.what", &[]),
                t(lang, "summary.stage", &[]),
                t(lang, "summary.days", &[]),
                t(lang, "summary.classification", &[]),
            ],
            &overdue,
        ));
    }

    // What still waits for an answer from the field.
    body.push_str(&format!(
        "<h2>{}</h2>",
        esc(&t(
            lang,
            "summary.waiting",
            &[("count", (waiting.len() + questions.len()).to_string())]
        ))
    ));
    let rows: Vec<String> = waiting
        .iter()
        .chain(&questions)
        .map(|r| {
            row(&[
                kind_name(store, &r.kind, lang),
                r.title.clone(),
                r.author_unit.clone(),
                day(r.updated_at),
                r.classification.clone(),
            ])
        })
        .collect();
    if !rows.is_empty() {
        body.push_str(&table(
            &[
                t(lang, "summary.kind", &[]),
                t(lang, "summary.what", &[]),
                t(lang, "print.unit", &[]),
                t(lang, "print.updated", &[]),
                t(lang, "summary.classification", &[]),
            ],
            &rows,
        ));
    }
    Ok(page(lang, level.as_str(), &title, &body, STYLE))
}

const STYLE: &str = "table{border-collapse:collapse;width:100%;margin:2mm 0}\
th,td{border:1px solid #000;padding:1mm 2mm;text-align:left;vertical-align:top}\
th{background:#eee}tr{break-inside:avoid}";
