-- Events collected from a NATS JetStream deployment (worker package) are
-- applied once each: an event's key is kept in the transaction that applies
-- it, so a collector stopped between applying an event and acknowledging it
-- skips it when it is delivered again.
CREATE TABLE applied_events (
	key        TEXT PRIMARY KEY,
	applied_at TEXT NOT NULL
) STRICT;
