-- Files being received are kept in the database, which is encrypted, instead
-- of plain files beside it. Transfers in progress when this runs restart from
-- their beginning (their bytes were in the plain files).
DELETE FROM partial_blobs;
CREATE TABLE partial_chunks (
    sha256  TEXT    NOT NULL,
    peer    TEXT    NOT NULL,
    offset  INTEGER NOT NULL,
    bytes   BLOB    NOT NULL,
    PRIMARY KEY (sha256, peer, offset)
) STRICT;
