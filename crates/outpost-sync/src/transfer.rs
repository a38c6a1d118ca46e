//! Moving photo files (blobs) between a device and a hub, one class at a
//! time, resuming every cut transfer from what the receiver made durable.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use outpost_report::{ReportId, VariantRef};
use outpost_store::{HubRecord, PendingBlob, Store, StoreError};

use crate::LinkBudget;
use crate::http::{ATTEMPTS, HubClient, Progress, Stage, SyncError, SyncReport, now};
use crate::protocol::BlobState;

/// Downloaded bytes are made durable in pieces of this size.
const FLUSH: usize = 64 * 1024;

/// One sync's blob traffic with one hub, within one budget.
pub(crate) struct BlobPass<'a> {
    pub client: &'a HubClient,
    pub hub: &'a HubRecord,
    pub budget: &'a LinkBudget,
    /// Blob bytes moved so far, both ways.
    pub spent: u64,
    pub report: &'a mut SyncReport,
    /// Told after each file, so a screen can show items and bytes moving.
    pub progress: &'a mut (dyn FnMut(Progress<'_>) + Send),
}

impl BlobPass<'_> {
    fn affordable(&self, next: u64) -> bool {
        self.budget
            .max_blob_bytes
            .is_none_or(|max| self.spent + next <= max)
    }

    /// Sends every blob of `class` the hub lacks, as far as the budget allows.
    pub async fn upload(&mut self, store: &mut Store, class: u8) -> Result<(), SyncError> {
        let pending: Vec<PendingBlob> = store
            .blobs_missing_at(&self.hub.hub_id)?
            .into_iter()
            .filter(|b| b.class == class)
            .collect();
        for batch in pending.chunks(200) {
            let shas: Vec<String> = batch.iter().map(|b| b.sha256.clone()).collect();
            let states = self.client.blob_states(&shas).await?;
            for (blob, state) in batch.iter().zip(states) {
                let offset = match state {
                    BlobState::Complete => {
                        store.set_peer_blob(&self.hub.hub_id, &blob.sha256)?;
                        continue;
                    }
                    BlobState::Partial { received } => received,
                    BlobState::Missing => 0,
                };
                if self.affordable(blob.bytes.saturating_sub(offset)) {
                    self.upload_one(store, blob, offset).await?;
                }
            }
        }
        Ok(())
    }

    async fn upload_one(
        &mut self,
        store: &mut Store,
        blob: &PendingBlob,
        mut offset: u64,
    ) -> Result<(), SyncError> {
        let bytes = match store.read_blob(&blob.sha256) {
            Ok(bytes) => bytes,
            // A damaged or missing local copy is reported and skipped; the
            // rest of the sync goes on. It is set aside so that a good copy
            // is fetched from any peer that holds one.
            Err(e @ (StoreError::BlobCorrupt { .. } | StoreError::BlobMissing { .. })) => {
                store.set_aside_damaged(&blob.sha256)?;
                self.report
                    .documents
                    .rejected
                    .insert(blob.sha256.clone(), e.code().to_string());
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let mut attempts = 0;
        loop {
            let result = self.client.upload_blob(&blob.sha256, &bytes, offset).await;
            let held = match result {
                Ok(receipt) => {
                    self.count_up(receipt.received.saturating_sub(offset));
                    if !receipt.complete {
                        // The hub kept part of it; the rest goes next sync.
                        return Ok(());
                    }
                    true
                }
                Err(e)
                    if (e.is_transient() || e.code() == "store.partial_offset")
                        && attempts + 1 < ATTEMPTS =>
                {
                    attempts += 1;
                    // Ask where the hub got to, and go on from there.
                    match self
                        .client
                        .blob_states(std::slice::from_ref(&blob.sha256))
                        .await
                    {
                        Ok(states) => match states.first() {
                            Some(BlobState::Complete) => true,
                            Some(BlobState::Partial { received }) => {
                                self.count_up(received.saturating_sub(offset));
                                offset = *received;
                                false
                            }
                            _ => {
                                offset = 0;
                                false
                            }
                        },
                        Err(e) if e.is_transient() => false,
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            };
            if held {
                store.set_peer_blob(&self.hub.hub_id, &blob.sha256)?;
                self.report.blobs_up += 1;
                self.tell(blob.class);
                return Ok(());
            }
        }
    }

    fn tell(&mut self, class: u8) {
        (self.progress)(Progress {
            stage: Stage::of_class(class),
            stage_done: false,
            so_far: self.report,
        });
    }

    fn count_up(&mut self, n: u64) {
        self.spent += n;
        self.report.blob_bytes_up += n;
        self.report.bytes_up += n;
    }

    /// Fetches every blob of `class` that reports here refer to and this
    /// store lacks, as far as the budget allows.
    pub async fn download(&mut self, store: &mut Store, class: u8) -> Result<(), SyncError> {
        let wanted: Vec<PendingBlob> = store
            .blobs_wanted()?
            .into_iter()
            .filter(|b| b.class == class)
            .collect();
        // A report's files are listed in its document: read each report once,
        // not once per file.
        let mut variants_of: BTreeMap<ReportId, Vec<VariantRef>> = BTreeMap::new();
        for blob in wanted {
            // A name that is not a SHA-256 never becomes a path on this disk.
            if !outpost_report::shape::is_file_ref(&blob.sha256) {
                self.report
                    .documents
                    .rejected
                    .insert(blob.sha256.clone(), "document.bad_file_ref".into());
                continue;
            }
            let variants = match variants_of.entry(blob.report) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(store.load(blob.report)?.files()),
            };
            let variant = variants.iter().find(|v| v.sha256 == blob.sha256).cloned();
            let Some(variant) = variant else { continue };
            let offset = store.partial_received(&blob.sha256, &self.hub.hub_id)?;
            if self.affordable(variant.bytes.saturating_sub(offset)) {
                self.download_one(
                    store,
                    blob.report,
                    &blob.sha256,
                    variant.bytes,
                    &variant.media_type,
                    offset,
                )
                .await?;
                self.tell(class);
            }
        }
        Ok(())
    }

    async fn download_one(
        &mut self,
        store: &mut Store,
        report: ReportId,
        sha256: &str,
        size: u64,
        media_type: &str,
        mut offset: u64,
    ) -> Result<(), SyncError> {
        let hub_id = self.hub.hub_id.clone();
        // Appends what arrived from the hub, durably; returns the new length.
        let keep = |store: &mut Store, written: u64, bytes: &[u8]| {
            store.append_partial(sha256, &hub_id, size, written, bytes, now())
        };
        let mut attempts = 0;
        loop {
            let mut buffer: Vec<u8> = Vec::new();
            let mut written = offset;
            let result = {
                let store = &mut *store;
                self.client
                    .download_blob(sha256, offset, |piece| {
                        buffer.extend_from_slice(piece);
                        if buffer.len() >= FLUSH {
                            written = keep(store, written, &buffer)?;
                            buffer.clear();
                        }
                        Ok(())
                    })
                    .await
            };
            // Whatever arrived before a cut is kept.
            if !buffer.is_empty() {
                written = keep(store, written, &buffer)?;
            }
            let moved = written - offset;
            self.spent += moved;
            self.report.blob_bytes_down += moved;
            self.report.bytes_down += moved;
            offset = written;
            match result {
                Ok(_) if written >= size => {
                    match store.finish_partial(sha256, &hub_id, media_type, now()) {
                        Ok(()) => {
                            // Served to this store's own peers (a camp hub's
                            // tablets) on the word of the hub above.
                            store.record_blob_origin(sha256, &[report], &self.hub.hub_id)?;
                            store.set_peer_blob(&self.hub.hub_id, sha256)?;
                            self.report.blobs_down += 1;
                        }
                        // The damaged copy is dropped; the next sync fetches it again.
                        Err(StoreError::BlobCorrupt { .. }) => {
                            self.report
                                .documents
                                .rejected
                                .insert(sha256.to_string(), "sync.hash_mismatch".into());
                        }
                        Err(e) => return Err(e.into()),
                    }
                    return Ok(());
                }
                // The hub no longer offers it (reclassified, say): not ours to fetch.
                Err(SyncError::Hub { status: 404, .. }) => return Ok(()),
                Err(e) if !e.is_transient() => return Err(e),
                // The link keeps dropping: keep what came, leave the rest waiting.
                _ if attempts + 1 >= ATTEMPTS => return Ok(()),
                _ => attempts += 1,
            }
        }
    }
}
