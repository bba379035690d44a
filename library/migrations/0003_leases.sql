-- Leases let several latm processes on one database take turns at work that
-- must not run twice at once: grouping pending instances, making a group's
-- tool. A lease is held until its owner releases it or it expires (an owner
-- that died does not block the others for longer than that).
CREATE TABLE leases (
	name    TEXT PRIMARY KEY,
	owner   TEXT NOT NULL,
	expires TEXT NOT NULL
) STRICT;
