-- Shadow checks: a no-model answer (parser or template path) that was also
-- asked of the user model, and how the two compared. A tool version is
-- keyed by name, version and the hash of its source and parser, so that a
-- version made again under the same number starts over. Rows are only
-- added: a version's state is counted from them (distinct questions the
-- model agreed on, per path), and its first 'disagreed' row is what turned
-- its no-model paths off, with the instance, both answers and the time.
-- IF NOT EXISTS: library/shadow.go applies it again to a file that
-- recorded version 6 while it was a reserved placeholder.
CREATE TABLE IF NOT EXISTS shadow_checks (
	id              INTEGER PRIMARY KEY,
	tool_name       TEXT    NOT NULL,
	tool_version    INTEGER NOT NULL,
	source_hash     TEXT    NOT NULL,
	path            TEXT    NOT NULL CHECK (path IN ('parser', 'template')),
	batch           TEXT    NOT NULL,
	input_id        TEXT    NOT NULL,
	question        TEXT    NOT NULL,
	no_model_answer TEXT    NOT NULL,
	model_answer    TEXT    NOT NULL,
	outcome         TEXT    NOT NULL CHECK (outcome IN ('agreed', 'disagreed', 'undecided')),
	note            TEXT    NOT NULL,
	created_at      TEXT    NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS shadow_checks_version ON shadow_checks (tool_name, tool_version, source_hash, outcome);
