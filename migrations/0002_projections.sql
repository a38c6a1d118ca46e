-- Outpost local store, schema 2: projections of the documents for lists,
-- filters and full-text search. Everything here can be rebuilt from `documents`.

CREATE TABLE reports (
    rowid               INTEGER PRIMARY KEY,
    report_id           TEXT    NOT NULL UNIQUE,
    kind                TEXT    NOT NULL,
    form_version        INTEGER NOT NULL,
    title               TEXT    NOT NULL,
    author              TEXT    NOT NULL,
    author_unit         TEXT    NOT NULL,
    device              TEXT    NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    language            TEXT    NOT NULL,
    classification      TEXT    NOT NULL,
    classification_rank INTEGER NOT NULL,
    status              TEXT    NOT NULL,
    conflicts           INTEGER NOT NULL,
    photos              INTEGER NOT NULL,
    comments            INTEGER NOT NULL,
    lat                 REAL,
    lon                 REAL,
    place               TEXT
) STRICT;

CREATE INDEX reports_by_updated ON reports (updated_at DESC);
CREATE INDEX reports_by_kind ON reports (kind, updated_at DESC);
CREATE INDEX reports_by_status ON reports (status, updated_at DESC);

-- French and English narratives: unicode61 folds case and, with
-- remove_diacritics 2, lets "securite" find "sécurité".
CREATE VIRTUAL TABLE reports_fts USING fts5 (
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE photos (
    photo_id          TEXT    PRIMARY KEY,
    report_id         TEXT    NOT NULL,
    field             TEXT,
    added_at          INTEGER NOT NULL,
    original_sha256   TEXT    NOT NULL,
    preview_sha256    TEXT    NOT NULL,
    thumbnail_sha256  TEXT    NOT NULL
) STRICT;

CREATE INDEX photos_by_report ON photos (report_id, added_at);
