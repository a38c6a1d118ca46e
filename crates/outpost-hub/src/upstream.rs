//! Syncing this hub with the next hub up, and the status report operators
//! read.

use std::sync::Arc;

use outpost_report::time::{Clock, SystemClock};
use outpost_store::{Scope, Store, StoreError};
use tokio::sync::watch;

use crate::{HubSettings, HubState};

/// Syncs upstream every `settings.upstream_every`, and soon after a device
/// brings something new, until `stop` says so. Failures are logged and
/// retried: a satellite link comes and goes.
pub(crate) async fn run(
    settings: HubSettings,
    url: String,
    state: Arc<HubState>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match sync_once(&settings, &url).await {
            Ok(report) => eprintln!(
                "upstream {url}: {} document(s) up, {} down, {} blob(s) up, {} down",
                report.documents.docs_up,
                report.documents.docs_down,
                report.blobs_up,
                report.blobs_down
            ),
            Err(e) => eprintln!("upstream {url}: {e:#}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.upstream_every) => {}
            _ = state.upstream_kick.notified() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// One upstream sync on a connection of its own.
pub async fn sync_once(
    settings: &HubSettings,
    url: &str,
) -> anyhow::Result<outpost_sync::http::SyncReport> {
    let mut store = Store::open(&settings.data, &settings.key, SystemClock.now())?;
    let hub = store
        .hub(Some(url))?
        .ok_or_else(|| anyhow::anyhow!("this hub is not enrolled with {url}: run `outpost --data DIR enrol --hub {url} --code CODE`"))?;
    Ok(outpost_sync::http::sync(
        &mut store,
        &hub,
        &settings.upstream_budget,
        outpost_report::Lang::En,
    )
    .await?)
}

/// Devices seen, their last sync, and what each is missing.
pub fn status_json(store: &Store, hub_id: &str) -> Result<serde_json::Value, StoreError> {
    let mut devices = Vec::new();
    for d in store.enrolled_devices()? {
        let missing =
            store.count_missing_at(&Scope::of(&d.grant.for_device(&d.device_id)), &d.device_id)?;
        devices.push(serde_json::json!({
            "device_id": d.device_id,
            "name": d.name,
            "unit": d.grant.unit,
            "sector": d.grant.sector,
            "role": d.grant.role,
            "clearance": d.grant.clearance,
            "enrolled_at": d.enrolled_at.to_rfc3339(),
            "revoked": d.revoked_at.is_some(),
            "last_seen_at": d.last_seen_at.map(|t| t.to_rfc3339()),
            "last_sync": d.last_sync,
            "documents_missing": missing,
        }));
    }
    let upstream: Vec<_> = store
        .hubs()?
        .into_iter()
        .map(|h| {
            serde_json::json!({
                "url": h.url,
                "last_sync_at": h.last_sync_at.map(|t| t.to_rfc3339()),
                "documents_waiting": store.count_changed_for(&h.hub_id).unwrap_or(0),
            })
        })
        .collect();
    Ok(serde_json::json!({
        "hub_id": hub_id,
        "documents": store.report_ids()?.len(),
        "devices": devices,
        "upstream": upstream,
        // Stored documents that no longer load: never sent; repair or remove them.
        "quarantined": store.quarantined()?,
    }))
}
