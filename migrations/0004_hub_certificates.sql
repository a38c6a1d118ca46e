-- Outpost local store, schema 4: the certificate a device trusts for each hub
-- (a mission's hubs usually have a private certificate authority). Taken at
-- enrolment, like a known host.
ALTER TABLE hubs ADD COLUMN ca_pem TEXT;
