-- A batch posted to latm serve belongs to the tenant (the token's name)
-- that posted it: its questions route among that tenant's tools, and only
-- that tenant (or an operator) reads it. '' is the operator's.
ALTER TABLE api_batches ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
