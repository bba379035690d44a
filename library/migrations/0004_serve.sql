-- What latm serve keeps: API tokens (only their SHA-256, never the secret)
-- and the inputs of API batches, so that a batch posted before a restart
-- resumes after it (its runs are in runs, under the batch id).

CREATE TABLE api_tokens (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL UNIQUE,
	hash       TEXT    NOT NULL UNIQUE, -- hex SHA-256 of the secret
	prefix     TEXT    NOT NULL,        -- the secret's first characters, to tell tokens apart
	rate       INTEGER NOT NULL CHECK (rate >= 0), -- requests per minute; 0: the server's default
	created_at TEXT    NOT NULL,
	revoked_at TEXT    NOT NULL         -- '' while the token is valid
) STRICT;

CREATE TABLE api_batches (
	id         TEXT    PRIMARY KEY,
	tool       TEXT    NOT NULL, -- name or name@version; '' routes every instance
	input      BLOB    NOT NULL, -- the JSONL body as posted
	total      INTEGER NOT NULL,
	created_at TEXT    NOT NULL
) STRICT;
