package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// stepBody yields its chunks, then fails with err (io.EOF for a clean end).
type stepBody struct {
	chunks []string
	err    error
}

func (b *stepBody) Read(p []byte) (int, error) {
	if len(b.chunks) == 0 {
		return 0, b.err
	}
	n := copy(p, b.chunks[0])
	b.chunks = b.chunks[1:]
	return n, nil
}

func (b *stepBody) Close() error { return nil }

type bodyTransport struct{ body func() io.ReadCloser }

func (t bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: t.body(), Request: r}, nil
}

// failingWriter is a client that goes away after writes writes.
type failingWriter struct {
	*httptest.ResponseRecorder
	writes int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.writes == 0 {
		return 0, errors.New("client gone")
	}
	w.writes--
	return w.ResponseRecorder.Write(p)
}

// An upstream reply that has all arrived is whole even when the client
// went away at its end (its last read from upstream then fails, or the
// copy of its last event does); one cut before its end is not.
func TestForwardKeepsAWholeReplyWhoseClientLeftAtTheEnd(t *testing.T) {
	const ev = "data: {\"choices\":[{\"delta\":{\"content\":\"12\"}}]}\n\n"
	const done = "data: [DONE]\n\n"
	for _, tc := range []struct {
		name   string
		chunks []string
		err    error
		writes int // -1: the client reads everything
		whole  bool
	}{
		{"clean end", []string{ev, done}, io.EOF, -1, true},
		{"read fails after [DONE]", []string{ev, done}, context.Canceled, -1, true},
		{"read fails before [DONE]", []string{ev}, context.Canceled, -1, false},
		{"client gone at [DONE]", []string{ev, done}, io.EOF, 1, true},
		{"client gone mid-stream", []string{ev, ev, done}, io.EOF, 1, false},
		{"JSON reply, read fails after it", []string{`{"choices":[{"message":{"content":"12"}}]}`}, context.Canceled, -1, true},
		{"JSON reply cut", []string{`{"choices":[{"message":`}, context.Canceled, -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, func(_ *Config, d *Deps) {
				d.HTTP = &http.Client{Transport: bodyTransport{func() io.ReadCloser {
					return &stepBody{chunks: append([]string(nil), tc.chunks...), err: tc.err}
				}}}
			})
			var rw http.ResponseWriter = httptest.NewRecorder()
			if tc.writes >= 0 {
				rw = &failingWriter{ResponseRecorder: httptest.NewRecorder(), writes: tc.writes}
			}
			r := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader("{}"))
			f := w.gw.forward(context.Background(), rw, r, []byte("{}"))
			if f.complete != tc.whole {
				t.Errorf("complete = %v, want %v (captured %q)", f.complete, tc.whole, f.body)
			}
		})
	}
}
