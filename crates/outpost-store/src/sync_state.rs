//! What this store knows about its peers: the hubs it syncs with, the heads
//! and blobs each peer is confirmed to hold, the cursor into each hub's
//! sequence, and (on a hub) what was sent but not yet acknowledged.
//!
//! Nothing is recorded as held by a peer before the peer said so: that is what
//! lets a device say "report X: at hub; 3 of 40 photos still waiting" and mean it.

use outpost_report::{Classification, ReportId, Timestamp};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::{Store, StoreError};

/// A hub this device is enrolled with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubRecord {
    pub hub_id: String,
    pub url: String,
    pub token: String,
    pub unit: String,
    pub sector: String,
    pub role: String,
    pub clearance: String,
    pub cursor: i64,
    pub enrolled_at: Timestamp,
    pub last_sync_at: Option<Timestamp>,
    /// PEM of the certificate authority trusted for this hub, if not a public one.
    pub ca_pem: Option<String>,
}

impl HubRecord {
    /// The role the hub granted; one this version cannot read fails closed,
    /// to the field's.
    pub fn granted_role(&self) -> outpost_report::Role {
        outpost_report::policy::granted_role(&self.role)
    }

    /// The clearance the hub granted. Its word was checked when the device
    /// enrolled; a level this version cannot read fails closed, to the lowest.
    pub fn granted_clearance(&self) -> Classification {
        outpost_report::policy::granted_clearance(&self.clearance)
    }
}

/// Which reports a peer may receive: its clearance, and either every unit or
/// its own unit and sector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub clearance: Classification,
    pub all_units: bool,
    pub unit: String,
    pub sector: String,
}

impl Scope {
    /// The SQL-side form of what `grant` may see (see [`VISIBLE`]).
    pub fn of(grant: &outpost_report::Grant) -> Scope {
        Scope {
            clearance: grant.clearance,
            all_units: grant.role != outpost_report::Role::Field,
            unit: grant.unit.clone(),
            sector: grant.sector.clone(),
        }
    }
}

/// The reports file `?1` belongs to, as a photo variant or a voice note.
const REPORTS_OF_BLOB: &str = "SELECT report_id FROM photos
     WHERE original_sha256 = ?1 OR preview_sha256 = ?1 OR thumbnail_sha256 = ?1
     UNION SELECT report_id FROM voice_notes WHERE sha256 = ?1";

/// The SQL form of [`outpost_report::policy::may_see`] over `reports r` and
/// the hub's record `report_authority a` (LEFT JOINed: a device's own store
/// has no records and falls back to the projection), with the scope bound as
/// ?2 clearance rank, ?3 all units, ?4 unit, ?5 sector. The record decides the
/// unit, sector and level; the document's shares can only have been written
/// by headquarters, the policy saw to that.
const VISIBLE: &str = "max(coalesce(a.floor_rank, r.classification_rank), r.classification_rank) <= ?2
    AND (?3 OR coalesce(a.unit, r.author_unit) = ?4 OR (?5 != '' AND coalesce(a.sector, r.sector) = ?5)
         OR EXISTS (SELECT 1 FROM report_shares s WHERE s.report_id = r.report_id
                    AND (s.grantee = ?4 OR (?5 != '' AND s.grantee = 'sector:' || ?5))))";

/// The join [`VISIBLE`] reads the record through.
const AUTHORITY: &str = "LEFT JOIN report_authority a ON a.report_id = r.report_id";

/// A document that differs from what a peer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub id: ReportId,
    pub seq: i64,
    /// Our heads (JSON, sorted hex).
    pub heads: String,
    /// The heads the peer is confirmed to hold, if any.
    pub peer_heads: Option<String>,
}

/// A photo variant a peer does not hold yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingBlob {
    pub sha256: String,
    pub report: ReportId,
    /// 0 thumbnail, 1 preview, 2 original: the order they travel in.
    pub class: u8,
    pub bytes: u64,
}

fn parse_id(s: String) -> Option<ReportId> {
    s.parse().ok()
}

impl Store {
    /// The highest document sequence number in this store.
    pub fn current_seq(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(seq), 0) FROM documents", [], |r| {
                r.get(0)
            })?)
    }

    // ---- hubs (this device's upstream) ----

    pub fn add_hub(&mut self, hub: &HubRecord) -> Result<()> {
        self.conn.execute(
            "INSERT INTO hubs (hub_id, url, token, unit, sector, role, clearance, cursor, enrolled_at, last_sync_at, ca_pem)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (hub_id) DO UPDATE SET url = excluded.url, token = excluded.token, unit = excluded.unit,
                 sector = excluded.sector, role = excluded.role, clearance = excluded.clearance,
                 enrolled_at = excluded.enrolled_at, ca_pem = excluded.ca_pem",
            params![
                hub.hub_id,
                hub.url,
                hub.token,
                hub.unit,
                hub.sector,
                hub.role,
                hub.clearance,
                hub.cursor,
                hub.enrolled_at.as_millis(),
                hub.last_sync_at.map(Timestamp::as_millis),
                hub.ca_pem,
            ],
        )?;
        Ok(())
    }

    pub fn hubs(&self) -> Result<Vec<HubRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT hub_id, url, token, unit, sector, role, clearance, cursor, enrolled_at, last_sync_at, ca_pem
             FROM hubs ORDER BY enrolled_at",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(HubRecord {
                hub_id: r.get(0)?,
                url: r.get(1)?,
                token: r.get(2)?,
                unit: r.get(3)?,
                sector: r.get(4)?,
                role: r.get(5)?,
                clearance: r.get(6)?,
                cursor: r.get(7)?,
                enrolled_at: Timestamp::from_millis(r.get(8)?),
                last_sync_at: r.get::<_, Option<i64>>(9)?.map(Timestamp::from_millis),
                ca_pem: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The role this device was enrolled with (its latest hub's grant), if
    /// it is enrolled.
    pub fn enrolled_role(&self) -> Result<Option<outpost_report::Role>> {
        Ok(self.hub(None)?.map(|h| h.granted_role()))
    }

    /// The hub known by this URL, or the only hub if `url` is `None`.
    pub fn hub(&self, url: Option<&str>) -> Result<Option<HubRecord>> {
        let hubs = self.hubs()?;
        Ok(match url {
            Some(u) => hubs
                .into_iter()
                .find(|h| h.url.trim_end_matches('/') == u.trim_end_matches('/')),
            None => hubs.into_iter().last(),
        })
    }

    pub fn set_hub_cursor(&mut self, hub_id: &str, cursor: i64, now: Timestamp) -> Result<()> {
        self.conn.execute(
            "UPDATE hubs SET cursor = ?2, last_sync_at = ?3 WHERE hub_id = ?1",
            params![hub_id, cursor, now.as_millis()],
        )?;
        Ok(())
    }

    // ---- documents a peer holds ----

    /// Documents whose heads differ from what `peer` is confirmed to hold,
    /// oldest change first, at most `limit`.
    pub fn documents_changed_for(&self, peer: &str, limit: usize) -> Result<Vec<Outgoing>> {
        self.outgoing(
            "SELECT d.report_id, d.seq, d.heads, p.heads FROM documents d
             LEFT JOIN peer_documents p ON p.peer = ?1 AND p.report_id = d.report_id
             WHERE p.heads IS NULL OR p.heads != d.heads
             ORDER BY d.seq LIMIT ?2",
            params![peer, limit as i64],
        )
    }

    /// Rows of (report id, seq, heads, peer heads) as [`Outgoing`].
    fn outgoing(&self, sql: &str, args: impl rusqlite::Params) -> Result<Vec<Outgoing>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, seq, heads, peer_heads) = row?;
            if let Some(id) = parse_id(id) {
                out.push(Outgoing {
                    id,
                    seq,
                    heads,
                    peer_heads,
                });
            }
        }
        Ok(out)
    }

    /// How many documents `peer` does not hold at their current heads.
    pub fn count_changed_for(&self, peer: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM documents d
             LEFT JOIN peer_documents p ON p.peer = ?1 AND p.report_id = d.report_id
             WHERE p.heads IS NULL OR p.heads != d.heads",
            [peer],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Records heads `peer` is now confirmed to hold.
    pub fn set_peer_heads(&mut self, peer: &str, items: &[(ReportId, String)]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO peer_documents (peer, report_id, heads) VALUES (?1, ?2, ?3)
                 ON CONFLICT (peer, report_id) DO UPDATE SET heads = excluded.heads",
            )?;
            for (id, heads) in items {
                stmt.execute(params![peer, id.to_string(), heads])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Documents visible to `scope` written after `seq`, in sequence order,
    /// each with the heads `peer` is confirmed to hold (one query, not one
    /// per document).
    pub fn documents_after(
        &self,
        seq: i64,
        scope: &Scope,
        peer: &str,
        limit: usize,
    ) -> Result<Vec<Outgoing>> {
        let sql = format!(
            "SELECT d.report_id, d.seq, d.heads, p.heads FROM documents d
             JOIN reports r ON r.report_id = d.report_id {AUTHORITY}
             LEFT JOIN peer_documents p ON p.peer = ?6 AND p.report_id = d.report_id
             WHERE d.seq > ?1 AND {VISIBLE}
               AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.report_id = d.report_id)
             ORDER BY d.seq LIMIT ?7"
        );
        self.outgoing(
            &sql,
            params![
                seq,
                scope.clearance.rank(),
                scope.all_units,
                scope.unit,
                scope.sector,
                peer,
                limit as i64
            ],
        )
    }

    /// How many documents visible to `scope` `peer` does not hold at their
    /// current heads.
    pub fn count_missing_at(&self, scope: &Scope, peer: &str) -> Result<u64> {
        let sql = format!(
            "SELECT count(*) FROM documents d
             JOIN reports r ON r.report_id = d.report_id {AUTHORITY}
             LEFT JOIN peer_documents p ON p.peer = ?6 AND p.report_id = d.report_id
             WHERE d.seq > ?1 AND {VISIBLE} AND (p.heads IS NULL OR p.heads != d.heads)"
        );
        let n: i64 = self.conn.query_row(
            &sql,
            params![
                0,
                scope.clearance.rank(),
                scope.all_units,
                scope.unit,
                scope.sector,
                peer
            ],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Whether `scope` may receive report `id` (and so its photos): the
    /// visibility rule in SQL, one query.
    pub fn scope_admits(&self, scope: &Scope, id: ReportId) -> Result<bool> {
        self.ask_for_scope(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM reports r {AUTHORITY} WHERE r.report_id = ?1 AND {VISIBLE})"
            ),
            &id.to_string(),
            scope,
        )
    }

    /// Whether `scope` may receive file `sha256`: it was uploaded for at
    /// least one report, and the scope may receive every report it was
    /// uploaded for (the most restrictive decides). A report that merely
    /// names the file grants nothing. One query.
    pub fn scope_admits_blob(&self, scope: &Scope, sha256: &str) -> Result<bool> {
        self.ask_for_scope(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM blob_origins WHERE sha256 = ?1)
                    AND NOT EXISTS (SELECT 1 FROM blob_origins o
                        LEFT JOIN reports r ON r.report_id = o.report_id {AUTHORITY}
                        WHERE o.sha256 = ?1 AND (r.report_id IS NULL OR NOT ({VISIBLE})))"
            ),
            sha256,
            scope,
        )
    }

    /// A yes-or-no question about `key` (?1) with the scope bound as
    /// [`VISIBLE`] expects.
    fn ask_for_scope(&self, sql: &str, key: &str, scope: &Scope) -> Result<bool> {
        Ok(self.conn.prepare_cached(sql)?.query_row(
            params![
                key,
                scope.clearance.rank(),
                scope.all_units,
                scope.unit,
                scope.sector
            ],
            |r| r.get(0),
        )?)
    }

    /// Whether `viewer` may be shown file `sha256`: it belongs to a report
    /// (photo or voice note) the viewer may see. One query.
    pub fn viewer_may_see_blob(&self, viewer: &crate::Viewer, sha256: &str) -> Result<bool> {
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM reports WHERE report_id IN ({REPORTS_OF_BLOB})
             AND (?2 IS NULL OR classification_rank <= ?2 OR device = ?3))"
        );
        Ok(self.conn.prepare_cached(&sql)?.query_row(
            params![sha256, viewer.clearance.map(|c| c.rank()), viewer.device],
            |r| r.get(0),
        )?)
    }

    /// Hub side: remembers what a response carried until the peer acknowledges it.
    pub fn record_pending(
        &mut self,
        peer: &str,
        cursor: i64,
        items: &[(ReportId, String)],
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO peer_pending (peer, report_id, cursor, heads) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (peer, report_id) DO UPDATE SET cursor = excluded.cursor, heads = excluded.heads",
            )?;
            for (id, heads) in items {
                stmt.execute(params![peer, id.to_string(), cursor, heads])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Hub side: the peer has applied everything up to `cursor`: what was sent
    /// at or before it is now held; what was sent after it was lost in transit.
    pub fn acknowledge_pending(&mut self, peer: &str, cursor: i64) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO peer_documents (peer, report_id, heads)
             SELECT peer, report_id, heads FROM peer_pending WHERE peer = ?1 AND cursor <= ?2
             ON CONFLICT (peer, report_id) DO UPDATE SET heads = excluded.heads",
            params![peer, cursor],
        )?;
        tx.execute("DELETE FROM peer_pending WHERE peer = ?1", [peer])?;
        tx.commit()?;
        Ok(())
    }

    // ---- blobs a peer holds ----

    pub fn set_peer_blob(&mut self, peer: &str, sha256: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO peer_blobs (peer, sha256) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![peer, sha256],
        )?;
        Ok(())
    }

    /// Files (photo variants, voice notes) held here that `peer` does not hold,
    /// thumbnails first.
    pub fn blobs_missing_at(&self, peer: &str) -> Result<Vec<PendingBlob>> {
        self.photo_variants(
            "JOIN blobs b ON b.sha256 = v.sha256
             WHERE NOT EXISTS (SELECT 1 FROM peer_blobs pb WHERE pb.peer = ?1 AND pb.sha256 = v.sha256)",
            [peer],
        )
    }

    /// Files (photo variants, voice notes) referenced by reports here that this store lacks,
    /// thumbnails first.
    pub fn blobs_wanted(&self) -> Result<Vec<PendingBlob>> {
        self.photo_variants(
            "WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = v.sha256)",
            [],
        )
    }

    fn photo_variants(
        &self,
        condition: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<PendingBlob>> {
        let sql = format!(
            "WITH v (sha256, report_id, class, added_at) AS (
                 SELECT thumbnail_sha256, report_id, 0, added_at FROM photos
                 UNION SELECT preview_sha256, report_id, 1, added_at FROM photos
                 UNION SELECT original_sha256, report_id, 2, added_at FROM photos
                 UNION SELECT sha256, report_id, 1, added_at FROM voice_notes)
             SELECT v.sha256, v.report_id, min(v.class), coalesce((SELECT bytes FROM blobs x WHERE x.sha256 = v.sha256), 0)
             FROM v {condition}
             GROUP BY v.sha256 ORDER BY min(v.class), min(v.added_at), v.sha256"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (sha256, report, class, bytes) = row?;
            if let Some(report) = parse_id(report) {
                out.push(PendingBlob {
                    sha256,
                    report,
                    class: class as u8,
                    bytes: bytes as u64,
                });
            }
        }
        Ok(out)
    }

    /// The report a blob belongs to (any, if several), for access checks.
    pub fn reports_of_blob(&self, sha256: &str) -> Result<Vec<ReportId>> {
        let mut stmt = self.conn.prepare_cached(REPORTS_OF_BLOB)?;
        let ids = stmt
            .query_map([sha256], |r| r.get::<_, String>(0))?
            .filter_map(|r| r.ok().and_then(parse_id))
            .collect();
        Ok(ids)
    }

    /// Size and media type of a stored blob.
    pub fn blob_info(&self, sha256: &str) -> Result<Option<(u64, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT bytes, media_type FROM blobs WHERE sha256 = ?1",
                [sha256],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
            )
            .optional()?)
    }

    // ---- blobs being received ----
    //
    // A transfer is kept per peer that sends it: what one device sent can be
    // neither continued nor spoiled by another.

    /// How much of `sha256` has been received from `peer` so far (0 if nothing).
    pub fn partial_received(&self, sha256: &str, peer: &str) -> Result<u64> {
        let recorded: Option<i64> = self
            .conn
            .query_row(
                "SELECT received FROM partial_blobs WHERE sha256 = ?1 AND peer = ?2",
                [sha256, peer],
                |r| r.get(0),
            )
            .optional()?;
        Ok(recorded.unwrap_or(0) as u64)
    }

    /// Appends bytes from `peer` at `offset` to a partial blob. Returns the
    /// new received length. The bytes and the length are written in one
    /// transaction (in the encrypted database), so a crash loses at most the
    /// bytes of this call.
    pub fn append_partial(
        &mut self,
        sha256: &str,
        peer: &str,
        size: u64,
        offset: u64,
        bytes: &[u8],
        now: Timestamp,
    ) -> Result<u64> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let received: u64 = tx
            .query_row(
                "SELECT received FROM partial_blobs WHERE sha256 = ?1 AND peer = ?2",
                [sha256, peer],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .unwrap_or(0) as u64;
        if offset != received {
            return Err(StoreError::PartialOffset {
                sha256: sha256.to_string(),
                expected: received,
                given: offset,
            });
        }
        if offset == 0 {
            // A transfer started again: what an earlier one left goes.
            tx.execute(
                "DELETE FROM partial_chunks WHERE sha256 = ?1 AND peer = ?2",
                [sha256, peer],
            )?;
        }
        let total = offset + bytes.len() as u64;
        tx.execute(
            "INSERT OR REPLACE INTO partial_chunks (sha256, peer, offset, bytes) VALUES (?1, ?2, ?3, ?4)",
            params![sha256, peer, offset as i64, bytes],
        )?;
        tx.execute(
            "INSERT INTO partial_blobs (sha256, peer, size, received, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (sha256, peer) DO UPDATE SET received = excluded.received, updated_at = excluded.updated_at",
            params![sha256, peer, size as i64, total as i64, now.as_millis()],
        )?;
        tx.commit()?;
        Ok(total)
    }

    /// Verifies a blob fully received from `peer` against its hash and moves
    /// it into the blob store. A mismatch discards what was received.
    pub fn finish_partial(
        &mut self,
        sha256: &str,
        peer: &str,
        media_type: &str,
        now: Timestamp,
    ) -> Result<()> {
        let mut bytes = Vec::new();
        {
            let mut chunks = self.conn.prepare(
                "SELECT bytes FROM partial_chunks WHERE sha256 = ?1 AND peer = ?2 ORDER BY offset",
            )?;
            let mut rows = chunks.query([sha256, peer])?;
            while let Some(row) = rows.next()? {
                bytes.extend_from_slice(&row.get::<_, Vec<u8>>(0)?);
            }
        }
        // The file is written and indexed under one write lock, so a file
        // is never found unindexed by `reclaim` while it is being finished.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let outcome = self.blobs.finish(sha256, &bytes);
        tx.execute(
            "DELETE FROM partial_chunks WHERE sha256 = ?1 AND peer = ?2",
            [sha256, peer],
        )?;
        tx.execute(
            "DELETE FROM partial_blobs WHERE sha256 = ?1 AND peer = ?2",
            [sha256, peer],
        )?;
        if let Ok(length) = outcome {
            crate::index_blob(&tx, sha256, length, media_type, None, now)?;
        }
        tx.commit()?;
        outcome.map(|_| ())
    }
}

/// Where one report stands with one hub: what a person in the field asks
/// before walking away from the Wi-Fi.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub hub: String,
    /// The hub holds this report at its current heads.
    pub at_hub: bool,
    /// The hub holds an earlier version: the latest changes are still here only.
    pub earlier_at_hub: bool,
    /// Photo files (all variants) this report has, and how many the hub
    /// does not hold yet.
    pub photo_files: u64,
    pub photo_files_waiting: u64,
}

impl Store {
    /// Where report `id` stands with each enrolled hub.
    pub fn delivery(&self, id: ReportId) -> Result<Vec<Delivery>> {
        let mut out = Vec::new();
        for hub in self.hubs()? {
            out.extend(self.deliveries_to(&hub, &[id])?.into_values());
        }
        Ok(out)
    }

    /// Where each of `ids` stands with `hub`, in one query (a screenful of
    /// reports, not one query per report). Unknown ids are left out.
    pub fn deliveries_to(
        &self,
        hub: &HubRecord,
        ids: &[ReportId],
    ) -> Result<std::collections::HashMap<ReportId, Delivery>> {
        let ids = serde_json::to_string(&ids.iter().map(|id| id.to_string()).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into());
        let mut stmt = self.conn.prepare_cached(
            "WITH wanted (report_id) AS (SELECT value FROM json_each(?2)),
             v (report_id, sha256) AS (
                 SELECT report_id, thumbnail_sha256 FROM photos WHERE report_id IN wanted
                 UNION SELECT report_id, preview_sha256 FROM photos WHERE report_id IN wanted
                 UNION SELECT report_id, original_sha256 FROM photos WHERE report_id IN wanted
                 UNION SELECT report_id, sha256 FROM voice_notes WHERE report_id IN wanted),
             f (report_id, files, waiting) AS (
                 SELECT report_id, count(*), count(*) FILTER (WHERE NOT EXISTS
                     (SELECT 1 FROM peer_blobs pb WHERE pb.peer = ?1 AND pb.sha256 = v.sha256))
                 FROM v GROUP BY report_id)
             SELECT d.report_id, d.heads, p.heads, coalesce(f.files, 0), coalesce(f.waiting, 0)
             FROM documents d
             LEFT JOIN peer_documents p ON p.peer = ?1 AND p.report_id = d.report_id
             LEFT JOIN f ON f.report_id = d.report_id
             WHERE d.report_id IN wanted",
        )?;
        let rows = stmt.query_map(params![hub.hub_id, ids], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (id, heads, held, files, waiting) = row?;
            let Some(id) = parse_id(id) else { continue };
            let at_hub = held.as_deref() == Some(heads.as_str());
            out.insert(
                id,
                Delivery {
                    hub: hub.url.clone(),
                    at_hub,
                    earlier_at_hub: !at_hub && held.is_some(),
                    photo_files: files as u64,
                    photo_files_waiting: waiting as u64,
                },
            );
        }
        Ok(out)
    }
}
