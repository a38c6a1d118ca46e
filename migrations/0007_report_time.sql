-- Outpost local store, schema 7: when what a report tells of happened (its
-- first date-and-time answer), for date ranges and for finding reports close
-- in time; and indexes for the review filters over every sector.
ALTER TABLE reports ADD COLUMN happened_at INTEGER;
-- QIP assessments: the pipeline stage they are in and since when.
ALTER TABLE reports ADD COLUMN pipeline_stage TEXT;
ALTER TABLE reports ADD COLUMN stage_since INTEGER;
CREATE INDEX reports_by_happened ON reports (happened_at);
CREATE INDEX reports_by_sector ON reports (sector, author_unit);
CREATE INDEX reports_by_author ON reports (author);
-- The review filters and their counts read this narrow index instead of
-- the wide rows: counting 100,000 reports touches a few megabytes.
CREATE INDEX reports_review ON reports (
    kind, sector, author_unit, status, classification_rank, classification, language,
    happened_at, created_at, author
);
-- The default order with its tie-break, so a first page never sorts the table.
DROP INDEX reports_by_updated;
CREATE INDEX reports_by_updated ON reports (updated_at DESC, report_id);
-- Existing rows get their time from the projection rebuild that follows every
-- schema change; a report without a date answer is dated by its filing.
