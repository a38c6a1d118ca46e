-- Outpost local store, schema 6: voice notes, and what this device alone
-- needs to remember about the person using it.

-- Voice notes, projected from the documents like photos (their files travel
-- with the previews: worth sending on Wi-Fi, too heavy for a satellite budget).
CREATE TABLE voice_notes (
    note_id    TEXT    PRIMARY KEY,
    report_id  TEXT    NOT NULL,
    step       TEXT,
    sha256     TEXT    NOT NULL,
    added_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX voice_notes_by_report ON voice_notes (report_id, added_at);

-- A debrief in progress on this device: the step it is at, and answers typed
-- that did not pass validation yet (kept here, never in the report, so a
-- half-typed value is not lost and never reaches headquarters). Device-local:
-- not part of any document, never synced.
CREATE TABLE debriefs (
    report_id   TEXT    PRIMARY KEY,
    step        INTEGER NOT NULL,
    pending     TEXT    NOT NULL DEFAULT '{}',
    updated_at  INTEGER NOT NULL,
    finished_at INTEGER
) STRICT;

-- What the person here last saw of a report (its comment count and status),
-- so news from headquarters can be pointed out after a sync.
CREATE TABLE report_seen (
    report_id  TEXT    PRIMARY KEY,
    comments   INTEGER NOT NULL,
    status     TEXT    NOT NULL
) STRICT;
