-- What the OpenAI-compatible gateway keeps beside the tools and the
-- pending pool: every phase transition of a tool version learned from
-- traffic (its current phase is its latest change), and one record per
-- chat completion request — who asked, how it was served, the tokens and
-- cost of its upstream call (or the estimate of what that call would have
-- cost), and latm's own cost. Never the client's messages or credentials.

CREATE TABLE phase_changes (
	id         INTEGER PRIMARY KEY,
	tool       TEXT    NOT NULL,
	version    INTEGER NOT NULL CHECK (version > 0),
	tenant     TEXT    NOT NULL,
	from_phase TEXT    NOT NULL CHECK (from_phase IN ('', 'shadow', 'live')),
	to_phase   TEXT    NOT NULL CHECK (to_phase IN ('shadow', 'live')),
	agreed     INTEGER NOT NULL CHECK (agreed >= 0),
	compared   INTEGER NOT NULL CHECK (compared >= agreed),
	reason     TEXT    NOT NULL,
	at         TEXT    NOT NULL
) STRICT;

CREATE INDEX phase_changes_tool ON phase_changes (tool, version, at, id);

CREATE TABLE gateway_requests (
	id                         INTEGER PRIMARY KEY,
	tenant                     TEXT    NOT NULL,
	model                      TEXT    NOT NULL,
	served                     TEXT    NOT NULL CHECK (served IN ('passthrough', 'upstream', 'shadow', 'tool', 'spot', 'fallback')),
	grp                        INTEGER NOT NULL, -- the pending group; 0 for none
	tool                       TEXT    NOT NULL, -- name@version; '' for none
	agreed                     INTEGER CHECK (agreed IN (0, 1)), -- NULL when nothing was compared
	stream                     INTEGER NOT NULL CHECK (stream IN (0, 1)),
	detail                     TEXT    NOT NULL,
	at                         TEXT    NOT NULL,
	duration_ns                INTEGER NOT NULL,
	overhead_ns                INTEGER NOT NULL,
	upstream_prompt_tokens     INTEGER NOT NULL CHECK (upstream_prompt_tokens >= 0),
	upstream_completion_tokens INTEGER NOT NULL CHECK (upstream_completion_tokens >= 0),
	upstream_cost              REAL    NOT NULL CHECK (upstream_cost >= 0),
	estimated                  INTEGER NOT NULL CHECK (estimated IN (0, 1)),
	latm_cost                  REAL    NOT NULL CHECK (latm_cost >= 0)
) STRICT;

CREATE INDEX gateway_requests_tenant ON gateway_requests (tenant, at);
CREATE INDEX gateway_requests_at ON gateway_requests (at);
