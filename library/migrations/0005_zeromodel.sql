-- Zero model calls: a tool may carry a parser (Starlark parse(question)
-- returning its entry's arguments, verified when it was made), and a run
-- records how it was answered (parser, template or user model) and the
-- guard decisions taken on the way. Existing rows have no parser and no
-- recorded path.
ALTER TABLE tools ADD COLUMN parser TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN path TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN guards TEXT NOT NULL DEFAULT '';
