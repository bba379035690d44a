package cli

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"os"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/latm/latm/internal/fakeopenai"
)

// Credentials written into a base URL appear in no error and no retry
// line, and the ledger stores the endpoint without them.
func TestBaseURLCredentialsAreMaskedAndNotStored(t *testing.T) {
	db := toolsEnv(t)
	seed(t, db, sortTool("sorter"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // connections are refused from now on
	t.Setenv("LATM_BASE_URL", "http://alice:sk-inurl-secret@"+addr+"/v1")
	t.Setenv("LATM_USER_RETRIES", "1")
	t.Setenv("LATM_SOLVE_TEMPLATE", "false")
	t.Setenv("LATM_CACHE", "false")
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"--db", db, "-v", "solve", "--tool", "sorter", "Sort: b a"}, strings.NewReader(""), &out, &errb, os.Getenv)
	stderr := errb.String()
	if code == ExitOK {
		t.Fatalf("solve against a refused endpoint succeeded: %s", out.String())
	}
	if strings.Contains(stderr, "sk-inurl-secret") || strings.Contains(stderr, "alice") {
		t.Errorf("stderr shows the credentials:\n%s", stderr)
	}
	if !strings.Contains(stderr, "attempt 1 failed") || !strings.Contains(stderr, "http://***@"+addr) {
		t.Errorf("stderr lacks the masked retry line and error:\n%s", stderr)
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var endpoint string
	if err := conn.QueryRow(`SELECT endpoint FROM model_calls`).Scan(&endpoint); err != nil {
		t.Fatal(err)
	}
	if endpoint != "http://"+addr+"/v1" {
		t.Errorf("the ledger stores endpoint %q", endpoint)
	}
}

// The timeouts of a role reach its client: a server that accepts and
// never answers fails the call after header_timeout, not minutes later.
func TestHeaderTimeoutFromConfig(t *testing.T) {
	db := toolsEnv(t)
	seed(t, db, sortTool("sorter"))
	url, accepted := fakeopenai.Silent(t)
	t.Setenv("LATM_BASE_URL", url)
	t.Setenv("LATM_USER_HEADER_TIMEOUT", "50ms")
	t.Setenv("LATM_USER_RETRIES", "1")
	t.Setenv("LATM_SOLVE_TEMPLATE", "false")
	t.Setenv("LATM_CACHE", "false")
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"--db", db, "solve", "--tool", "sorter", "Sort: b a"}, strings.NewReader(""), &out, &errb, os.Getenv)
	if code == ExitOK || !strings.Contains(errb.String(), "no response header within 50ms (raise user.header_timeout)") || !strings.Contains(errb.String(), "giving up after 2 attempts") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if len(accepted) != 2 {
		t.Errorf("%d connections, want one per attempt", len(accepted))
	}
}
