package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxInputLine bounds one line of a solve or stream input (bytes).
const maxInputLine = 16 << 20

// tooLongFix says what to do about a line over maxInputLine.
var tooLongFix = fmt.Sprintf("line longer than %d MB: skipped (fix: keep each instance on one line under %d MB)", maxInputLine>>20, maxInputLine>>20)

// openInput opens a JSONL input: "-" is standard input, else a file. A
// directory or a missing file is a usage error naming it.
func openInput(cmd, path string, stdin io.Reader) (r io.Reader, name string, closer func() error, err error) {
	if path == "-" {
		return stdin, "stdin", func() error { return nil }, nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, "", nil, usageError("%s: %s is a directory; give a JSONL file, one instance per line (or - for standard input)", cmd, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", nil, usageError("%s: %v", cmd, err)
	}
	return f, path, f.Close, nil
}

// eachLine calls fn with every line of r (numbered from 1, trimmed of
// surrounding space, blank lines skipped). A line longer than max bytes
// is not read into memory: fn gets it with tooLong set and an empty line,
// and reading goes on with the next one. An error of fn stops the reading
// and is returned.
func eachLine(r io.Reader, max int, fn func(n int, line []byte, tooLong bool) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for n := 1; ; n++ {
		buf = buf[:0]
		tooLong := false
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			if !tooLong {
				size := len(buf) + len(chunk)
				if bytes.HasSuffix(chunk, []byte("\n")) {
					size--
				}
				if size > max {
					tooLong, buf = true, buf[:0]
				} else {
					buf = append(buf, chunk...)
				}
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		line := bytes.TrimSpace(buf)
		if tooLong || len(line) > 0 {
			if ferr := fn(n, line, tooLong); ferr != nil {
				return ferr
			}
		}
		if err != nil { // io.EOF
			return nil
		}
	}
}
