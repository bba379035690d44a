package library

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// busyTimeout is how long (milliseconds) a writer waits for another
// process's transaction before giving up with SQLITE_BUSY.
const busyTimeout = 10000

// sqliteMagic opens every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// timeLayout is fixed-width so that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// migration is one embedded schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads migrations/NNNN_name.sql in version order.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("embedded migration %q: name must start with a positive number and _", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("read embedded migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	// Versions may skip numbers (a change numbered on a branch that is
	// merged later): each is applied once, by number, whatever its order of
	// arrival, so the changes must not depend on one another across a gap.
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("embedded migrations %s and %s have the same version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// newest is the highest version this latm knows.
func newest(ms []migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Open opens (creating it and its directory on first use) and migrates the
// database at path. A file that is not an SQLite database, or one written
// by a newer latm, is refused and left untouched.
func Open(path string) (*Store, error) {
	return openUpTo(context.Background(), path, 0)
}

// openUpTo opens path and applies the migrations numbered up to upTo (all
// for 0); tests use it to build files of an older schema.
func openUpTo(ctx context.Context, path string, upTo int) (*Store, error) {
	if path == "" {
		return nil, errors.New("open database: no path given (set --db or db in the config file)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := checkFile(abs); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("open database %s: create its directory: %w", path, err)
	}
	if err := probe(ctx, abs); err != nil {
		return nil, describeOpenError(path, err)
	}
	// Processes opening one fresh file at once race to switch it to WAL
	// and to migrate it; SQLite settles some of those races by failing one
	// side with BUSY at once rather than through the busy timeout (to
	// break a lock cycle), so a BUSY while opening is tried again.
	deadline := time.Now().Add(busyTimeout * time.Millisecond)
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 200*time.Millisecond) {
		s, err := openMigrated(ctx, abs, path, upTo)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return s, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(pause + rand.N(pause)):
		}
	}
}

func openMigrated(ctx context.Context, abs, path string, upTo int) (*Store, error) {
	db, err := sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Every new connection re-applies the DSN pragmas; keeping a few idle
	// ones spares batch workers that cost on each statement.
	db.SetMaxIdleConns(8)
	s := &Store{db: db, path: path}
	if err := s.migrate(ctx, upTo); err != nil {
		db.Close()
		return nil, describeOpenError(path, err)
	}
	return s, nil
}

// isBusy says whether err is SQLite's BUSY: another connection holds the
// lock it needed.
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// dsn builds a URI filename: the path is percent-escaped so that '?', '#'
// and '%' in it are not taken for URI syntax. _txlock=immediate takes the
// write lock at BEGIN, so that a read-then-write transaction never has to
// upgrade its lock (which SQLite resolves by failing one side with BUSY).
func dsn(abs string, wal bool) string {
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(abs))
	journal := ""
	if wal {
		journal = "&_pragma=journal_mode(WAL)"
	}
	return "file:" + p +
		"?_pragma=busy_timeout(" + strconv.Itoa(busyTimeout) + ")" + journal +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_txlock=immediate"
}

// checkFile refuses, before SQLite gets to write anything, a path that is
// a directory or a non-empty file without the SQLite header.
func checkFile(abs string) error {
	f, err := os.Open(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open database %s: %w", abs, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open database %s: %w", abs, err)
	}
	if st.IsDir() {
		return fmt.Errorf("open database %s: is a directory; give a file path to --db", abs)
	}
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == nil) {
		return nil // empty file: SQLite initialises it
	}
	if !bytes.Equal(head[:n], sqliteMagic) {
		return fmt.Errorf("open database %s: not an SQLite database (bad header); it was left untouched — point --db at another file", abs)
	}
	return nil
}

// probe reads the schema of an existing file before anything may write to
// it (switching to WAL alone rewrites the header): a damaged file, another
// program's database and a newer latm's file are refused untouched.
func probe(ctx context.Context, abs string) error {
	if st, err := os.Stat(abs); err != nil || st.Size() == 0 {
		return nil
	}
	db, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return err
	}
	defer db.Close()
	var tables, ours int
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE name = 'schema_migrations')
		FROM sqlite_schema WHERE type = 'table'`).Scan(&tables, &ours); err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	if ours == 0 {
		if tables > 0 {
			return errors.New("an SQLite database of another program (it has tables but no latm schema); it was left untouched — point --db at another file")
		}
		return nil
	}
	applied, err := appliedVersions(ctx, db)
	if err != nil {
		return err
	}
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	return checkNewer(applied, ms)
}

// describeOpenError turns SQLite's corruption codes into a message that
// names the file and says what to do.
func describeOpenError(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("open database %s: the file is damaged (%w); it was left untouched — restore it from a backup or point --db at another file", path, err)
		}
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

// migrate applies each missing migration in its own transaction and
// records it. Versions are re-read inside each transaction, so two
// processes opening a fresh file at once apply every migration once.
func (s *Store) migrate(ctx context.Context, upTo int) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if upTo == 0 {
		upTo = newest(ms)
	}
	// In a transaction, which takes the write lock at BEGIN (see dsn): a
	// bare statement on a fresh file can find another process's lock
	// while it upgrades its own, which SQLite fails at once with BUSY.
	if err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`)
		return err
	}); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	applied, err := appliedVersions(ctx, s.db)
	if err != nil {
		return err
	}
	if err := checkNewer(applied, ms); err != nil {
		return err
	}
	for _, m := range ms {
		if m.version > upTo || containsInt(applied, m.version) {
			continue
		}
		err := s.tx(ctx, func(tx *sql.Tx) error {
			applied, err := appliedVersions(ctx, tx)
			if err != nil {
				return err
			}
			if err := checkNewer(applied, ms); err != nil {
				return err
			}
			if containsInt(applied, m.version) {
				return nil // another process applied it meanwhile
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, formatTime(time.Now()))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// checkNewer refuses a file that records a schema version this latm does
// not know: a newer latm wrote it.
func checkNewer(applied []int, ms []migration) error {
	var unknown []int
	for _, v := range applied {
		if !slices.ContainsFunc(ms, func(m migration) bool { return m.version == v }) {
			unknown = append(unknown, v)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("schema versions %v were written by a newer latm (this one knows %s); upgrade latm or use another --db", unknown, knownVersions(ms))
	}
	return nil
}

// knownVersions renders the versions of ms as runs: "1..5, 8".
func knownVersions(ms []migration) string {
	var parts []string
	for i := 0; i < len(ms); {
		j := i
		for j+1 < len(ms) && ms[j+1].version == ms[j].version+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(ms[i].version))
		} else {
			parts = append(parts, fmt.Sprintf("%d..%d", ms[i].version, ms[j].version))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func appliedVersions(ctx context.Context, q querier) ([]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("read schema versions: %w", err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema versions: %w", err)
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// SchemaVersion reports the newest migration applied to the file.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	vs, err := appliedVersions(ctx, s.db)
	if err != nil || len(vs) == 0 {
		return 0, err
	}
	return vs[len(vs)-1], nil
}

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", s.path, err)
	}
	return nil
}

// tx runs fn in one (immediate) transaction, committed if fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
