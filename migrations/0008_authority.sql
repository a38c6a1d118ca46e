-- Outpost store, schema 8: authority a hub records, never reads from content.
--
-- When a hub first accepts a report it records who brought it and for which
-- unit and sector (from the creator's grant), and the level it counts at.
-- Who may receive or change a report is decided from this row; a document
-- whose own metadata disagrees is refused.
CREATE TABLE report_authority (
    report_id   TEXT    PRIMARY KEY,
    creator     TEXT    NOT NULL,   -- the device whose push created it here
    unit        TEXT    NOT NULL,
    sector      TEXT    NOT NULL,
    floor_rank  INTEGER NOT NULL,   -- classification rank it counts at
    form        TEXT    NOT NULL,
    vouched_by  TEXT,               -- the relay hub that brought it, if any
    recorded_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Which report each file was uploaded for, and by which device: a file is
-- served only to a peer that may see every report it was uploaded for, so
-- naming another unit's photo in one's own report does not reach it.
CREATE TABLE blob_origins (
    sha256     TEXT NOT NULL,
    report_id  TEXT NOT NULL,
    device     TEXT NOT NULL,
    PRIMARY KEY (sha256, report_id)
) STRICT, WITHOUT ROWID;

-- Stored documents that no longer load: set aside, never sent, reported by
-- the hub's status and the doctor.
CREATE TABLE quarantine (
    report_id TEXT    PRIMARY KEY,
    code      TEXT    NOT NULL,
    at        INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- What was stored before records existed is taken as it stands.
INSERT INTO report_authority (report_id, creator, unit, sector, floor_rank, form, vouched_by, recorded_at)
    SELECT report_id, device, author_unit, sector, classification_rank, kind, NULL, created_at FROM reports;
INSERT OR IGNORE INTO blob_origins (sha256, report_id, device)
    SELECT v.sha256, v.report_id, r.device FROM (
        SELECT original_sha256 AS sha256, report_id FROM photos
        UNION SELECT preview_sha256, report_id FROM photos
        UNION SELECT thumbnail_sha256, report_id FROM photos
        UNION SELECT sha256, report_id FROM voice_notes) v
    JOIN reports r ON r.report_id = v.report_id
    WHERE EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = v.sha256);

-- Signatures (see docs/protocol.md, "What is signed").
-- This device's ed25519 signing key, made when the store is first opened.
CREATE TABLE device_key (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    secret     BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
-- The public key each device enrolled here gave at enrolment.
ALTER TABLE enrolled_devices ADD COLUMN public_key BLOB;
-- Public keys learned otherwise: the hubs this device is enrolled with (at
-- enrolment), and devices a hub vouched for when it relayed their changes.
CREATE TABLE device_keys (
    device     TEXT PRIMARY KEY,
    key        BLOB NOT NULL,
    vouched_by TEXT NOT NULL
) STRICT, WITHOUT ROWID;
-- The signature of every change whose signature was made here or verified
-- here, kept to forward with the change and to show it as verified.
CREATE TABLE change_signatures (
    hash      BLOB PRIMARY KEY,
    device    TEXT NOT NULL,
    signature BLOB NOT NULL
) STRICT, WITHOUT ROWID;

-- Partial transfers, one per peer sending the file: a device cannot add to,
-- or spoil, a transfer another device started. A transfer cut before this
-- schema starts again from its first byte.
DROP TABLE partial_blobs;
CREATE TABLE partial_blobs (
    sha256      TEXT    NOT NULL,
    peer        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    received    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (sha256, peer)
) STRICT, WITHOUT ROWID;

-- What a relay vouched a device was granted, with its key: a change relayed
-- from that device is checked against this grant.
ALTER TABLE device_keys ADD COLUMN role TEXT;
ALTER TABLE device_keys ADD COLUMN unit TEXT;
ALTER TABLE device_keys ADD COLUMN sector TEXT;
ALTER TABLE device_keys ADD COLUMN clearance TEXT;
