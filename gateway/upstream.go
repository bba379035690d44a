package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxCapture bounds how much of an upstream reply the gateway keeps to
// read the answer from; the client gets the whole reply regardless.
const maxCapture = 4 << 20

// hopHeaders are not forwarded in either direction (RFC 9110 7.6.1), nor
// are the headers latm itself reads.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Host": true,
	"Content-Length": true, "Cookie": true, "X-Latm-Token": true, "X-Latm-Console": true,
}

// Client is who sent a request, as the server's authentication found it.
type Client struct {
	// Tenant is the name of the latm token the request came with; "" when
	// the server needs none and none was sent.
	Tenant string
	// ForwardAuth says the request's Authorization header is the client's
	// upstream credential (not a latm token), to be forwarded unless latm
	// has an upstream key of its own.
	ForwardAuth bool
}

type clientKey struct{}

// WithClient returns ctx carrying c, for the gateway's handlers.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

func clientOf(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// forwarded is one upstream call as the client saw it.
type forwarded struct {
	status   int
	body     []byte // the captured body, up to maxCapture
	complete bool   // the whole body was captured and copied
	elapsed  time.Duration
	err      error // the call failed before a response (the client got a 502)
}

// upstreamRequest builds the call of path with body, carrying the
// client's headers but the hop-by-hop ones and latm's own.
func (g *Gateway) upstreamRequest(ctx context.Context, method, path string, in http.Header, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, g.cfg.Upstream+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range in {
		ck := http.CanonicalHeaderKey(k)
		if hopHeaders[ck] || ck == "Authorization" || strings.EqualFold(ck, g.cfg.OptOutHeader) {
			continue
		}
		req.Header[ck] = append([]string(nil), vs...)
	}
	switch {
	case g.cfg.APIKey != "":
		req.Header.Set("Authorization", "Bearer "+g.cfg.APIKey)
	case clientOf(ctx).ForwardAuth && in.Get("Authorization") != "":
		req.Header.Set("Authorization", in.Get("Authorization"))
	}
	if req.Header.Get("Content-Type") == "" && len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// forward sends the request to upstream and copies the reply to w as it
// arrives (status, headers, body, flushing every read so a stream stays a
// stream), keeping a copy of the body to read the answer from.
func (g *Gateway) forward(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) forwarded {
	start := time.Now()
	req, err := g.upstreamRequest(ctx, r.Method, strings.TrimPrefix(r.URL.Path, "/v1"), r.Header, body)
	if err != nil {
		writeError(w, http.StatusBadGateway, "upstream_error", "latm could not build the upstream request: "+err.Error())
		return forwarded{status: http.StatusBadGateway, err: err, elapsed: time.Since(start)}
	}
	resp, err := g.http.Do(req)
	if err != nil {
		msg := "latm could not reach the upstream API at " + g.cfg.Upstream
		if errors.Is(err, context.DeadlineExceeded) {
			msg += " within gateway.upstream_timeout"
		}
		writeError(w, http.StatusBadGateway, "upstream_error", msg)
		return forwarded{status: http.StatusBadGateway, err: err, elapsed: time.Since(start)}
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		if hopHeaders[http.CanonicalHeaderKey(k)] {
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	fl, _ := w.(http.Flusher)
	var capture bytes.Buffer
	buf := make([]byte, 32<<10)
	truncated, cut := false, false
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if capture.Len()+n <= maxCapture {
				capture.Write(buf[:n])
			} else {
				truncated = true
			}
			if _, werr := w.Write(buf[:n]); werr != nil {
				cut = true // the client went away
				break
			}
			if fl != nil {
				fl.Flush()
			}
		}
		if rerr != nil {
			cut = !errors.Is(rerr, io.EOF)
			break
		}
	}
	// A client that stops reading once it has the whole reply (an SDK that
	// closes the stream at its last event) cancels the request, and the
	// last read from upstream can fail after the reply has all arrived:
	// the reply is whole all the same.
	complete := !truncated && (!cut || wholeReply(capture.Bytes()))
	return forwarded{status: resp.StatusCode, body: capture.Bytes(), complete: complete, elapsed: time.Since(start)}
}

// wholeReply reports whether body is a complete chat completion: an event
// stream that ended with its [DONE] event, or one JSON object.
func wholeReply(body []byte) bool {
	b := bytes.TrimSpace(body)
	if bytes.HasSuffix(b, []byte("data: [DONE]")) {
		return true
	}
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// ask sends a non-streamed copy of the client's request to upstream on the
// side (a spot check, or a fallback's answer) and returns the reply.
func (g *Gateway) ask(ctx context.Context, in http.Header, body []byte) (upstreamReply, error) {
	plain, err := unstream(body)
	if err != nil {
		return upstreamReply{}, err
	}
	req, err := g.upstreamRequest(ctx, http.MethodPost, "/chat/completions", in, plain)
	if err != nil {
		return upstreamReply{}, err
	}
	resp, err := g.http.Do(req)
	if err != nil {
		return upstreamReply{}, fmt.Errorf("upstream: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxCapture))
	if err != nil {
		return upstreamReply{}, fmt.Errorf("upstream: read the reply: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return upstreamReply{}, fmt.Errorf("upstream answered %s", resp.Status)
	}
	rep, ok := readReply(b, false)
	if !ok {
		return upstreamReply{}, errors.New("upstream's reply holds no single choice's text")
	}
	return rep, nil
}

// unstream returns body without its stream and stream_options fields.
func unstream(body []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("read the request: %w", err)
	}
	if _, ok := m["stream"]; !ok {
		return body, nil
	}
	delete(m, "stream")
	delete(m, "stream_options")
	return json.Marshal(m)
}
