-- Outpost local store, schema 1: the truth (report documents) and the blob index.
-- Released migrations are never edited; add a new file instead.

-- This device: its identity (also its automerge actor) and who uses it.
CREATE TABLE device (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id   TEXT    NOT NULL,
    author      TEXT    NOT NULL DEFAULT '',
    unit        TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
) STRICT;

-- One automerge document per report, saved whole and compact.
CREATE TABLE documents (
    report_id   TEXT    PRIMARY KEY,
    bytes       BLOB    NOT NULL,
    heads       TEXT    NOT NULL,  -- JSON array of hex change hashes, sorted
    saved_at    INTEGER NOT NULL   -- ms since epoch, local clock
) STRICT;

-- Content-addressed files under blobs/ (photo variants, voice notes).
CREATE TABLE blobs (
    sha256      TEXT    PRIMARY KEY,
    bytes       INTEGER NOT NULL,
    media_type  TEXT    NOT NULL,
    width       INTEGER,
    height      INTEGER,
    stored_at   INTEGER NOT NULL
) STRICT;
