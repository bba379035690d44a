-- Tenants: a tool learned from gateway traffic belongs to the serve token
-- whose traffic made it, and so do the pending instances that traffic
-- brought. '' is the operator's (the command line, the API, packages),
-- visible to every tenant. The pending table is rebuilt because its
-- label_source check gains 'upstream' (the gateway's upstream replies
-- count as labels), and SQLite cannot alter a check.
ALTER TABLE tools ADD COLUMN tenant TEXT NOT NULL DEFAULT '';

CREATE TABLE pending_new (
	id           INTEGER PRIMARY KEY,
	instance_id  TEXT    NOT NULL,
	question     TEXT    NOT NULL,
	label        TEXT    NOT NULL,
	label_source TEXT    NOT NULL CHECK (label_source IN ('', 'input', 'human', 'model', 'upstream')),
	grp          INTEGER NOT NULL,
	status       TEXT    NOT NULL CHECK (status IN ('pending', 'solved')),
	created_at   TEXT    NOT NULL,
	tenant       TEXT    NOT NULL DEFAULT ''
) STRICT;

INSERT INTO pending_new (id, instance_id, question, label, label_source, grp, status, created_at)
SELECT id, instance_id, question, label, label_source, grp, status, created_at FROM pending;

DROP TABLE pending;
ALTER TABLE pending_new RENAME TO pending;

-- An instance is pending at most once; once solved it may come back.
CREATE UNIQUE INDEX pending_instance ON pending (instance_id) WHERE status = 'pending';
CREATE INDEX pending_tenant ON pending (tenant, status);
