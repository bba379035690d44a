// Package procowner names the owner of a lease by its process, so that
// other processes of the host can tell when the owner has died.
package procowner

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// New names a lease owner of this process so that others on the
// same host can tell when it has died: "host/pid/start/random", start being
// the process's start time as /proc/PID/stat gives it (0 where there is no
// /proc). A lease whose owner is of this host and whose process is gone, or
// is another process that got the pid since, is free (library.Store.Acquire);
// owners of other hosts and of other shapes hold it until it expires.
func New() string {
	host, _ := os.Hostname()
	pid := os.Getpid()
	_, start, _ := processStart(pid)
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%d/%x", host, pid, start, b)
}

// Dead reports whether owner (New's shape) is a process of
// this host that no longer runs. Anything it cannot decide is alive.
func Dead(owner string) bool {
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
