package library

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Acquire takes the lease name for owner until ttl from now, if the lease
// is free, expired, owner's already (then it is extended) or held by a
// process of this host that has died (see ProcessOwner). It reports
// whether owner holds the lease. Several processes may call it at once.
func (s *Store) Acquire(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	now := time.Now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO leases (name, owner, expires) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
		WHERE leases.expires < ? OR leases.owner = excluded.owner`,
		name, owner, formatTime(now.Add(ttl)), formatTime(now))
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	if n == 1 {
		return true, nil
	}
	// Held by another: take it over if its holder is known to be dead.
	var holder string
	err = s.db.QueryRowContext(ctx, `SELECT owner FROM leases WHERE name = ?`, name).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // released meanwhile: the caller tries again
	}
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	if !ownerDead(holder) {
		return false, nil
	}
	// The holder is named in the condition: of several processes taking
	// over at once, one wins.
	res, err = s.db.ExecContext(ctx, `UPDATE leases SET owner = ?, expires = ? WHERE name = ? AND owner = ?`,
		owner, formatTime(now.Add(ttl)), name, holder)
	if err != nil {
		return false, fmt.Errorf("take over lease %s from %s: %w", name, holder, err)
	}
	if n, err = res.RowsAffected(); err != nil {
		return false, fmt.Errorf("take over lease %s from %s: %w", name, holder, err)
	}
	return n == 1, nil
}

// Release gives up owner's lease name; releasing a lease one does not hold
// (it expired and another took it) changes nothing.
func (s *Store) Release(ctx context.Context, name, owner string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND owner = ?`, name, owner); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// ProcessOwner names a lease owner of this process so that others on the
// same host can tell when it has died: "host/pid/start/random", start being
// the process's start time as /proc/PID/stat gives it (0 where there is no
// /proc). A lease whose owner is of this host and whose process is gone, or
// is another process that got the pid since, is free (Acquire); owners of
// other hosts and of other shapes hold it until it expires.
func ProcessOwner() string {
	host, _ := os.Hostname()
	pid := os.Getpid()
	_, start, _ := processStart(pid)
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%d/%x", host, pid, start, b)
}

// ownerDead reports whether owner (ProcessOwner's shape) is a process of
// this host that no longer runs. Anything it cannot decide is alive.
func ownerDead(owner string) bool {
	parts := strings.Split(owner, "/")
	if len(parts) != 4 {
		return false
	}
	host, _ := os.Hostname()
	pid, err1 := strconv.Atoi(parts[1])
	start, err2 := strconv.ParseUint(parts[2], 10, 64)
	if parts[0] != host || err1 != nil || err2 != nil || pid <= 0 || start == 0 {
		return false
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return false // no /proc: cannot tell
	}
	state, now, err := processStart(pid)
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	// A zombie has died; only its parent has not reaped it yet.
	return err == nil && (now != start || state == "Z")
}

// processStart is the state and start time of process pid (fields 3 and
// 22 of /proc/PID/stat, the time in clock ticks since boot).
func processStart(pid int) (string, uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, err
	}
	return parseStat(string(b))
}

// parseStat reads the state and start time from the text of
// /proc/PID/stat. The command name (field 2) is in parentheses and may hold
// spaces and parentheses itself, so fields are counted from the last ')'.
func parseStat(stat string) (string, uint64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return "", 0, errors.New("proc stat: no ')' after the command name")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); field 22 is f[19].
	if len(f) < 20 {
		return "", 0, fmt.Errorf("proc stat: %d fields after the command name, want at least 20", len(f))
	}
	v, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("proc stat: start time %q: %w", f[19], err)
	}
	return f[0], v, nil
}
