-- Outpost local store, schema 5: who else a report is shared with (a unit, or
-- "sector:NAME"), projected from the documents for the visibility filter.
CREATE TABLE report_shares (
    report_id  TEXT NOT NULL,
    grantee    TEXT NOT NULL,
    PRIMARY KEY (report_id, grantee)
) STRICT, WITHOUT ROWID;
CREATE INDEX report_shares_by_grantee ON report_shares (grantee, report_id);
