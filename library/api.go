// Package library is the SQLite store of latm's domain types (package
// tool: tool versions, usage examples, runs, pending instances, routing
// decisions, model calls): one file (pure Go, modernc.org/sqlite) with its
// schema, migrations, full-text index and leases.
//
// Invariants:
//   - A tool is a name and numbered versions, name@1, name@2, …; SaveTool
//     always adds version n+1. "The tool" is its newest active version;
//     retired and older versions stay addressable by name@n until purged.
//   - Every change that touches more than one row is one transaction, so a
//     crash leaves a tool either whole (row, usage examples, index entry)
//     or absent. Transactions take the write lock at BEGIN, so several
//     processes may write one file at once (WAL, busy timeout).
//   - The full-text index (FTS5) holds exactly the newest active version of
//     every tool name; save, retire and purge keep it so.
//   - The schema is a sequence of embedded migrations (migrations/*.sql)
//     recorded in schema_migrations. An older file is upgraded on open; a
//     newer one, a damaged one and a file that is not latm's are refused
//     and left untouched.
//   - The package never runs tools: checking a tool's usage examples is the
//     caller's job, with starlarkrt.
package library

import (
	"database/sql"
	"errors"
)

// ErrNotFound is returned (wrapped) when a tool, run or instance is missing.
var ErrNotFound = errors.New("not found")

// Store is the SQLite file that holds all of latm's state. Safe for
// concurrent use; several processes may open the same file.
type Store struct {
	db   *sql.DB
	path string
}

// CostRow is one line of a cost report.
type CostRow struct {
	Key       string  `json:"key"` // the role, model, tool or day
	Calls     int     `json:"calls"`
	CacheHits int     `json:"cache_hits"`
	TokensIn  int     `json:"tokens_in"`
	TokensOut int     `json:"tokens_out"`
	Cost      float64 `json:"cost"`
	Estimated int     `json:"estimated"` // calls whose token counts were estimated (the server sent no usage)
}

// The Store methods live beside the tables they touch: store.go (open,
// migrations), tools.go (tools, versions, search), records.go (runs, the
// call ledger, the response cache, the pending pool, routes, cost).
