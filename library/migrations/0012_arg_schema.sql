-- Structured calls: a tool version may carry the JSON Schema of its
-- entry's arguments (the maker's, checked against the usage examples, or
-- the one derived from them), who wrote it, and why the maker's was
-- refused. Existing rows have none: a JSON call derives one at use.
-- (0009, reserved for this, was applied as a no-op by databases already
-- at 0010 or later, so the columns come in a migration of their own.)
ALTER TABLE tools ADD COLUMN arg_schema TEXT NOT NULL DEFAULT '';
ALTER TABLE tools ADD COLUMN arg_schema_from TEXT NOT NULL DEFAULT '';
ALTER TABLE tools ADD COLUMN arg_schema_note TEXT NOT NULL DEFAULT '';
