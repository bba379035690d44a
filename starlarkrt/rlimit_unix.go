//go:build unix

package starlarkrt

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// limitMemory caps the process's data segment (its heap, as the Go runtime
// commits it) at n bytes. Address space that is only reserved does not
// count, so the cap is close to the memory the process can really use.
func limitMemory(n int64) error {
	lim := &syscall.Rlimit{Cur: uint64(n), Max: uint64(n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_DATA, lim); err != nil {
		return fmt.Errorf("set RLIMIT_DATA to %d: %w", n, err)
	}
	return nil
}

// dataBytes returns the size of the process's data segment as RLIMIT_DATA
// counts it (VmData in /proc/self/status, Linux).
func dataBytes() (int64, error) { return dataBytesOf("self") }

// dataBytesOf is dataBytes of process pid ("self" for this one).
func dataBytesOf(pid string) (int64, error) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmData:")); ok {
			f := bytes.Fields(rest)
			if len(f) == 2 && string(f[1]) == "kB" {
				n, err := strconv.ParseInt(string(f[0]), 10, 64)
				return n << 10, err
			}
		}
	}
	return 0, fmt.Errorf("no VmData in /proc/self/status")
}
