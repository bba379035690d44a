-- Tools, their usage examples, runs, the LLM-call ledger and the response
-- cache. Times are UTC text in a fixed-width RFC 3339 form so that text
-- order is time order and the day is the first ten characters.

CREATE TABLE tools (
	id          INTEGER PRIMARY KEY,
	name        TEXT    NOT NULL,
	version     INTEGER NOT NULL CHECK (version >= 1),
	status      TEXT    NOT NULL CHECK (status IN ('active', 'retired')),
	description TEXT    NOT NULL,
	source      TEXT    NOT NULL,
	entry       TEXT    NOT NULL,
	signature   TEXT    NOT NULL,
	maker_model TEXT    NOT NULL,
	validation  TEXT    NOT NULL CHECK (json_valid(validation)),
	transcript  TEXT    NOT NULL CHECK (json_valid(transcript)),
	created_at  TEXT    NOT NULL,
	UNIQUE (name, version)
) STRICT;

-- Usage examples are rows, not JSON, so that a tool saved with n examples
-- has n rows or none: a half-written save is visible to integrity checks.
CREATE TABLE tool_examples (
	tool_id  INTEGER NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	question TEXT    NOT NULL,
	code     TEXT    NOT NULL,
	answer   TEXT    NOT NULL,
	PRIMARY KEY (tool_id, position)
) STRICT;

-- Runs keep the tool by name and version, not by id: purging a tool must
-- not erase what it answered.
CREATE TABLE runs (
	id           INTEGER PRIMARY KEY,
	batch        TEXT    NOT NULL,
	input_id     TEXT    NOT NULL,
	question     TEXT    NOT NULL,
	tool_name    TEXT    NOT NULL,
	tool_version INTEGER NOT NULL,
	code         TEXT    NOT NULL,
	raw_result   TEXT    NOT NULL,
	answer       TEXT    NOT NULL,
	ok           INTEGER NOT NULL,
	error        TEXT    NOT NULL,
	latency_ns   INTEGER NOT NULL,
	created_at   TEXT    NOT NULL,
	UNIQUE (batch, input_id)
) STRICT;

CREATE TABLE model_calls (
	id         INTEGER PRIMARY KEY,
	role       TEXT    NOT NULL,
	model      TEXT    NOT NULL,
	endpoint   TEXT    NOT NULL,
	tool       TEXT    NOT NULL,
	tokens_in  INTEGER NOT NULL,
	tokens_out INTEGER NOT NULL,
	estimated  INTEGER NOT NULL,
	cost       REAL    NOT NULL,
	latency_ns INTEGER NOT NULL,
	status     TEXT    NOT NULL,
	cache_hit  INTEGER NOT NULL,
	created_at TEXT    NOT NULL
) STRICT;

CREATE INDEX model_calls_created ON model_calls (created_at);

CREATE TABLE response_cache (
	key        TEXT PRIMARY KEY,
	value      BLOB NOT NULL,
	created_at TEXT NOT NULL
) STRICT;
