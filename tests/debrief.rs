//! What the field app relies on below the screen: debrief progress and typed
//! answers that survive a restart, news from headquarters, voice notes that
//! are checked and travel with the report, and the confirmed read-back.

use outpost_report::readback;
use outpost_report::time::{Clock, SystemClock};
use outpost_report::{Classification, Lang, Readback, Timestamp, VoiceNoteId};
use outpost_store::Store;
use serde_json::json;

use crate::sync::{comment, file_report};
use crate::util::hub::{Device, TestHub};
use crate::util::{self, T0};

pub fn wav(seconds: u32) -> Vec<u8> {
    // A minimal PCM WAV: 8 kHz, 8-bit mono silence.
    let data = 8_000 * seconds;
    let mut out = b"RIFF".to_vec();
    out.extend((36 + data).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16u32.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(8_000u32.to_le_bytes());
    out.extend(8_000u32.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(8u16.to_le_bytes());
    out.extend(b"data");
    out.extend(data.to_le_bytes());
    out.extend(std::iter::repeat_n(128u8, data as usize));
    out
}

#[test]
fn a_debrief_step_and_answers_typed_but_not_valid_survive_reopening_the_store() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), T0).expect("store");
    let mut submitted = util::template_report("patrol", util::report_id(1), store.device_id());
    store.save(&mut submitted, T0).expect("save");
    let older = submitted.id();
    let mut draft = util::new_report(
        util::report_id(2),
        store.device_id(),
        Classification::Unclassified,
    );
    draft.status = outpost_report::ReviewStatus::Draft;
    let mut doc =
        outpost_report::ReportDoc::create(&util::form("incident"), &draft, T0).expect("doc");
    store.save(&mut doc, T0).expect("save");
    store.set_debrief_step(older, 2, T0).expect("step");
    store
        .set_debrief_step(draft.id, 3, Timestamp::from_millis(T0.as_millis() + 1_000))
        .expect("step");
    store
        .set_pending_answer(draft.id, "un_killed", Some(&json!(-2)), T0)
        .expect("pending");
    drop(store);

    let mut store = Store::unlock(dir.path(), &crate::util::pass(), T0).expect("reopened");
    let open = store
        .open_debrief()
        .expect("query")
        .expect("a debrief to go back to");
    assert_eq!(open.report, draft.id, "the draft, not the submitted report");
    assert_eq!(open.step, 3);
    assert_eq!(open.pending.get("un_killed"), Some(&json!(-2)));
    store
        .set_pending_answer(draft.id, "un_killed", None, T0)
        .expect("valid now");
    store.finish_debrief(draft.id, T0).expect("finish");
    assert_eq!(
        store.open_debrief().expect("query"),
        None,
        "nothing left open"
    );
}

/// A hub, a tablet that has filed a patrol report, and an HQ device.
async fn tablet_and_hq_with_a_report() -> (TestHub, Device, Device, outpost_report::ReportId) {
    let hub = TestHub::start().await;
    let mut tablet = Device::tablet(&hub).await;
    let hq = Device::join(
        &hub,
        "JOC",
        "",
        outpost_sync::Role::Hq,
        Classification::Confidential,
    )
    .await;
    let id = file_report(&mut tablet.store, "patrol", Classification::Unclassified);
    (hub, tablet, hq, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_from_headquarters_is_news_on_the_tablet_until_opened() {
    let (hub, mut tablet, mut hq, id) = tablet_and_hq_with_a_report().await;
    tablet.store.mark_seen(id).expect("seen when filed");
    assert!(tablet.store.reports_with_news().expect("news").is_empty());
    tablet.sync().await;
    hq.sync().await;
    comment(&mut hq.store, id, "Maj. Okafor", "Quelle direction ?");
    hq.sync().await;
    assert!(
        tablet.store.reports_with_news().expect("news").is_empty(),
        "not synced yet"
    );
    tablet.sync().await;
    assert_eq!(tablet.store.reports_with_news().expect("news"), vec![id]);
    tablet.store.mark_seen(id).expect("opened");
    assert!(tablet.store.reports_with_news().expect("news").is_empty());
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_note_is_checked_and_travels_with_the_previews() {
    let (hub, mut tablet, mut hq, id) = tablet_and_hq_with_a_report().await;
    let refused = tablet
        .store
        .add_voice_note(
            id,
            b"%PDF-1.7 not audio",
            Some("who"),
            Some("voice_notes"),
            VoiceNoteId::from_uuid(uuid::Uuid::new_v4()),
            T0,
        )
        .expect_err("a PDF is not a voice note");
    assert_eq!(refused.code(), "voice.unsupported");
    assert!(
        outpost_report::i18n::message(Lang::Fr, refused.code(), &refused.args())
            .contains("enregistrement")
    );

    let audio = wav(3);
    let note = tablet
        .store
        .add_voice_note(
            id,
            &audio,
            Some("who"),
            Some("voice_notes"),
            VoiceNoteId::from_uuid(uuid::Uuid::new_v4()),
            T0,
        )
        .expect("a WAV is");
    assert_eq!(note.file.media_type, "audio/wav");
    let doc = tablet.store.load(id).expect("load");
    assert_eq!(
        doc.answer("voice_notes"),
        Some(json!([note.id.to_string()]))
    );

    let satellite = tablet
        .try_sync(&outpost_sync::LinkBudget::satellite())
        .await
        .expect("sync");
    assert_eq!(
        satellite.waiting.previews_up, 1,
        "voice notes wait for a link that carries previews"
    );
    let wifi = tablet.sync().await;
    assert_eq!(wifi.blobs_up, 1);
    hq.sync().await;
    assert_eq!(hq.store.read_blob(&note.file.sha256).expect("at HQ"), audio);
    let at_hq = hq.store.load(id).expect("report at HQ");
    assert_eq!(at_hq.voice_notes(), vec![note]);
    hub.stop().await;
}

#[test]
fn the_confirmed_read_back_and_step_notes_are_kept_in_the_report() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(dir.path(), &crate::util::pass(), T0).expect("store");
    let mut doc = util::template_report("patrol", util::report_id(3), store.device_id());
    store.save(&mut doc, T0).expect("save");
    let id = doc.id();
    let form = util::form("patrol");
    let now = SystemClock.now();
    store
        .update(id, now, |doc| {
            doc.set_step_note("who", "Deux interprètes avec nous.", now)?;
            let text = readback::text(&readback::sections(&form, doc, Lang::Fr), Lang::Fr);
            doc.confirm_readback(&Readback {
                by: "Capt. Diallo".into(),
                at: now,
                lang: Lang::Fr,
                text,
            })?;
            Ok(())
        })
        .expect("update");
    let mut doc = store.load(id).expect("load");
    let confirmed = doc.readback().expect("confirmed");
    assert_eq!(confirmed.by, "Capt. Diallo");
    assert!(confirmed.text.contains("> Deux interprètes avec nous."));
    assert!(
        doc.history()
            .iter()
            .any(|h| h.message == "read-back confirmed")
    );
    let json = doc.to_json();
    assert_eq!(json["notes"]["who"], "Deux interprètes avec nous.");
    let hits = store
        .list(&outpost_store::ReportFilter {
            text: Some("interpretes".into()),
            ..Default::default()
        })
        .expect("search");
    assert_eq!(hits.len(), 1, "step notes are searchable, accents optional");
}
