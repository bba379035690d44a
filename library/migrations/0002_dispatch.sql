-- Retrieval and routing: the full-text index over tools, the pending pool
-- of instances of unknown tasks, and routing decisions.

-- One row per tool name that has an active version, for its newest active
-- version (rowid = tools.id). The store keeps it in sync in the same
-- transaction as every save, retire and purge.
CREATE VIRTUAL TABLE tools_fts USING fts5 (
	name,
	description,
	questions,
	tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO tools_fts (rowid, name, description, questions)
SELECT t.id, t.name, t.description,
	coalesce((SELECT group_concat(e.question, char(10)) FROM tool_examples e WHERE e.tool_id = t.id), '')
FROM tools t
WHERE t.status = 'active'
	AND t.version = (SELECT max(v.version) FROM tools v WHERE v.name = t.name AND v.status = 'active');

CREATE TABLE pending (
	id           INTEGER PRIMARY KEY,
	instance_id  TEXT    NOT NULL,
	question     TEXT    NOT NULL,
	label        TEXT    NOT NULL,
	label_source TEXT    NOT NULL CHECK (label_source IN ('', 'input', 'human', 'model')),
	grp          INTEGER NOT NULL,
	status       TEXT    NOT NULL CHECK (status IN ('pending', 'solved')),
	created_at   TEXT    NOT NULL
) STRICT;

-- An instance is pending at most once; once solved it may come back.
CREATE UNIQUE INDEX pending_instance ON pending (instance_id) WHERE status = 'pending';

CREATE TABLE routes (
	id         INTEGER PRIMARY KEY,
	batch      TEXT    NOT NULL,
	input_id   TEXT    NOT NULL,
	question   TEXT    NOT NULL,
	tool       TEXT    NOT NULL,
	stage      INTEGER NOT NULL,
	score      REAL    NOT NULL,
	created_at TEXT    NOT NULL
) STRICT;

CREATE INDEX routes_batch ON routes (batch, input_id);
