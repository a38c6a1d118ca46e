//! A single report as a print-ready HTML page, in French or English: the
//! classification at the top and the foot of every page, the facts, the
//! read-back step by step, and the comments. Open it in any browser and print.

use html_escape::encode_text as esc;
use outpost_report::i18n::{self, Lang};
use outpost_report::readback;
use outpost_report::{Form, ReportDoc};

pub(crate) fn t(lang: Lang, code: &str, args: &[(&str, String)]) -> String {
    i18n::message(lang, code, args)
}

/// The page for `doc` (of `form`) in `lang`.
pub fn report_html(form: &Form, doc: &ReportDoc, lang: Lang) -> String {
    let meta = doc.meta();
    let level = meta.classification.as_str();
    let title = doc.title(form, lang);
    let mut body = String::new();
    body.push_str(&format!(
        "<h1>{}</h1>\n<p class=\"kind\">{}</p>\n<dl class=\"facts\">",
        esc(&title),
        esc(form.title.get(lang))
    ));
    for (code, value) in [
        ("print.status", meta.status.as_str().to_string()),
        ("print.author", meta.author.clone()),
        ("print.unit", meta.author_unit.clone()),
        ("print.written_in", meta.language.as_str().to_string()),
        ("print.filed", meta.created_at.to_rfc3339()),
        ("print.updated", meta.updated_at.to_rfc3339()),
    ] {
        body.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>",
            esc(&t(lang, code, &[])),
            esc(&value)
        ));
    }
    body.push_str("</dl>\n");
    let confirmed = match doc.readback() {
        Some(r) => t(
            lang,
            "print.confirmed",
            &[("by", r.by), ("at", r.at.to_rfc3339())],
        ),
        None => t(lang, "print.not_confirmed", &[]),
    };
    body.push_str(&format!("<p class=\"confirmed\">{}</p>\n", esc(&confirmed)));
    let unanswered = t(lang, "print.unanswered", &[]);
    for section in readback::sections(form, doc, lang) {
        body.push_str(&format!("<section><h2>{}</h2><dl>", esc(&section.question)));
        for line in &section.lines {
            let value = line.value.as_deref().unwrap_or(&unanswered);
            let class = if line.value.is_none() {
                " class=\"none\""
            } else {
                ""
            };
            body.push_str(&format!(
                "<dt>{}</dt><dd{class}>{}</dd>",
                esc(&line.label),
                esc(value)
            ));
        }
        body.push_str("</dl>");
        if let Some(note) = &section.note {
            body.push_str(&format!("<blockquote>{}</blockquote>", esc(note)));
        }
        body.push_str("</section>\n");
    }
    let (photos, voices) = (doc.photos().len(), doc.voice_notes().len());
    if photos > 0 {
        body.push_str(&format!(
            "<p>{}</p>",
            esc(&t(lang, "print.photos", &[("count", photos.to_string())]))
        ));
    }
    if voices > 0 {
        body.push_str(&format!(
            "<p>{}</p>",
            esc(&t(
                lang,
                "print.voice_notes",
                &[("count", voices.to_string())]
            ))
        ));
    }
    let comments = doc.comments();
    if !comments.is_empty() {
        body.push_str(&format!(
            "<section><h2>{}</h2>",
            esc(&t(lang, "print.comments", &[]))
        ));
        for c in comments {
            body.push_str(&format!(
                "<p class=\"comment\"><strong>{}</strong> · {}<br>{}</p>",
                esc(&c.author),
                c.at.to_rfc3339(),
                esc(&c.text)
            ));
        }
        body.push_str("</section>\n");
    }
    page(lang, level, &title, &body, "")
}

/// A print-ready page: `content` between the classification banners that
/// repeat on every printed page, A4, with `style` after the shared one.
pub(crate) fn page(lang: Lang, level: &str, title: &str, content: &str, style: &str) -> String {
    let banner = esc(&t(
        lang,
        "print.classification",
        &[("level", level.to_string())],
    ))
    .to_string();
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{} — {}</title>\n<style>{STYLE}{style}</style></head>\n<body>\n<header class=\"banner\">{banner}</header>\n{content}<footer class=\"banner\">{banner}</footer>\n</body></html>\n",
        lang.as_str(),
        esc(level),
        esc(title),
    )
}

/// A4, black on white; the classification banner repeats on every printed page.
const STYLE: &str = "@page{size:A4;margin:22mm 18mm}\
body{font-family:'Noto Sans','DejaVu Sans',sans-serif;font-size:11pt;color:#000;max-width:180mm;margin:auto}\
.banner{font-weight:800;text-align:center;letter-spacing:.08em;border:2px solid #000;padding:2mm;margin:0 0 6mm}\
footer.banner{margin:8mm 0 0}\
@media print{header.banner{position:fixed;top:-16mm;left:0;right:0}footer.banner{position:fixed;bottom:-16mm;left:0;right:0}}\
h1{font-size:17pt;margin:0 0 1mm}h2{font-size:12.5pt;margin:6mm 0 2mm;border-bottom:1px solid #000}\
.kind{margin:0 0 4mm;font-weight:600}dl{display:grid;grid-template-columns:55mm 1fr;gap:1mm 4mm;margin:0}\
dt{font-weight:700}dd{margin:0;white-space:pre-wrap}dd.none{font-style:italic;color:#444}\
blockquote{margin:2mm 0;padding-left:3mm;border-left:3px solid #000;white-space:pre-wrap}\
section{break-inside:avoid}.confirmed{font-style:italic}";
