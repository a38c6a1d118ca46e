-- Outpost local store, schema 3: synchronisation state. A tablet keeps what
-- its hub is confirmed to hold; a hub keeps what each enrolled device holds.
-- A hub syncing upstream is both at once.

-- Every write to a document takes the next sequence number: a peer asks for
-- "everything after N" instead of listing what it has.
ALTER TABLE documents ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX documents_by_seq ON documents (seq);

-- Reports and devices belong to a sector as well as a unit (who may see what).
ALTER TABLE device ADD COLUMN sector TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN sector TEXT NOT NULL DEFAULT '';

-- The hubs this store syncs with (upstream), and the credential each gave us.
CREATE TABLE hubs (
    hub_id       TEXT    PRIMARY KEY,  -- the hub's device id
    url          TEXT    NOT NULL,
    token        TEXT    NOT NULL,     -- bearer credential issued at enrolment
    unit         TEXT    NOT NULL,
    sector       TEXT    NOT NULL,
    role         TEXT    NOT NULL,
    clearance    TEXT    NOT NULL,
    cursor       INTEGER NOT NULL DEFAULT 0,  -- the hub's seq we have applied up to
    enrolled_at  INTEGER NOT NULL,
    last_sync_at INTEGER
) STRICT;

-- Heads of each document a peer is confirmed to hold. Nothing is recorded
-- here before the peer has acknowledged it.
CREATE TABLE peer_documents (
    peer       TEXT NOT NULL,
    report_id  TEXT NOT NULL,
    heads      TEXT NOT NULL,
    PRIMARY KEY (peer, report_id)
) STRICT, WITHOUT ROWID;

-- Blobs a peer is confirmed to hold, hash-verified by the receiver.
CREATE TABLE peer_blobs (
    peer    TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    PRIMARY KEY (peer, sha256)
) STRICT, WITHOUT ROWID;

-- Hub side: documents sent in a response not yet acknowledged. The peer
-- acknowledges by sending a cursor at or past `cursor`.
CREATE TABLE peer_pending (
    peer       TEXT    NOT NULL,
    report_id  TEXT    NOT NULL,
    cursor     INTEGER NOT NULL,
    heads      TEXT    NOT NULL,
    PRIMARY KEY (peer, report_id)
) STRICT, WITHOUT ROWID;

-- Hub side: devices (tablets, desktops, downstream hubs) enrolled here.
CREATE TABLE enrolled_devices (
    device_id     TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    unit          TEXT    NOT NULL,
    sector        TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    clearance     TEXT    NOT NULL,
    token_sha256  TEXT    NOT NULL UNIQUE,
    enrolled_at   INTEGER NOT NULL,
    revoked_at    INTEGER,
    last_seen_at  INTEGER,
    last_sync     TEXT              -- JSON summary of the last exchange
) STRICT;

-- Hub side: one-time enrolment codes, stored hashed.
CREATE TABLE enrolment_codes (
    code_sha256  TEXT    PRIMARY KEY,
    unit         TEXT    NOT NULL,
    sector       TEXT    NOT NULL,
    role         TEXT    NOT NULL,
    clearance    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_by      TEXT
) STRICT;

-- Blobs being received, resumable from `received` bytes.
CREATE TABLE partial_blobs (
    sha256      TEXT    PRIMARY KEY,
    size        INTEGER NOT NULL,
    received    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
