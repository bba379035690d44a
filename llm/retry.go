package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

const (
	maxBackoff    = 30 * time.Second // cap of one exponential backoff step
	maxRetryAfter = 60 * time.Second // cap of a server's Retry-After
)

// errNoChoices is a 200 reply with nothing in it; worth a second try.
var errNoChoices = errors.New("the reply has no choices")

// httpError is a non-2xx reply.
type httpError struct {
	Status  int
	Message string
}

func (e *httpError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
}

// malformedError is a reply that is not the JSON it should be.
type malformedError struct{ err error }

func (e *malformedError) Error() string { return "malformed reply: " + e.err.Error() }
func (e *malformedError) Unwrap() error { return e.err }

// networkError is a failure to reach the server or read its reply.
type networkError struct{ err error }

func (e *networkError) Error() string { return "network: " + e.err.Error() }
func (e *networkError) Unwrap() error { return e.err }

// timeoutError is a call or one phase of an attempt running past its
// bound: phase "connect" (one attempt), "response header" (one attempt) or
// "reply" (the whole call); key is the setting that bounds it.
type timeoutError struct {
	phase string
	d     time.Duration
	key   string
}

func (e *timeoutError) Error() string {
	what := "no reply"
	switch e.phase {
	case "connect":
		what = "could not connect"
	case "response header":
		what = "no response header"
	}
	return fmt.Sprintf("%s within %v (raise %s)", what, e.d, e.key)
}

// Default phase bounds of one attempt.
const (
	defaultConnectTimeout = 10 * time.Second
	defaultHeaderTimeout  = 2 * time.Minute
)

func connectTimeout(rc RoleConfig) time.Duration {
	if rc.ConnectTimeout > 0 {
		return rc.ConnectTimeout
	}
	return defaultConnectTimeout
}

func headerTimeout(rc RoleConfig) time.Duration {
	if rc.HeaderTimeout > 0 {
		return rc.HeaderTimeout
	}
	return defaultHeaderTimeout
}

// transport is the role's HTTP transport: the default one (proxies from
// the environment, keep-alives) with the role's connect and header bounds.
func transport(rc RoleConfig) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: connectTimeout(rc), KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = connectTimeout(rc)
	t.ResponseHeaderTimeout = headerTimeout(rc)
	return t
}

// classify turns what go-openai returns into one of the errors above.
func classify(r *roleClient, err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) && urlErr.Timeout() {
		var opErr *net.OpError
		if (errors.As(err, &opErr) && opErr.Op == "dial") || strings.Contains(err.Error(), "TLS handshake timeout") {
			return &timeoutError{phase: "connect", d: connectTimeout(r.rc), key: string(r.role) + ".connect_timeout"}
		}
		if strings.Contains(err.Error(), "awaiting response headers") {
			return &timeoutError{phase: "response header", d: headerTimeout(r.rc), key: string(r.role) + ".header_timeout"}
		}
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0 {
		return &httpError{Status: apiErr.HTTPStatusCode, Message: apiErr.Message}
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) && reqErr.HTTPStatusCode != 0 {
		msg := strings.TrimSpace(string(reqErr.Body))
		if msg == "" && reqErr.Err != nil {
			msg = reqErr.Err.Error()
		}
		return &httpError{Status: reqErr.HTTPStatusCode, Message: clip(msg, 300)}
	}
	var synErr *json.SyntaxError
	var typErr *json.UnmarshalTypeError
	if errors.As(err, &synErr) || errors.As(err, &typErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &malformedError{err: err}
	}
	var netErr net.Error
	if errors.As(err, &urlErr) || errors.As(err, &netErr) || errors.Is(err, io.EOF) {
		return &networkError{err: err}
	}
	return err
}

// retryable tells failures that may pass on a later attempt.
func retryable(err error) bool {
	var he *httpError
	if errors.As(err, &he) {
		return he.Status == http.StatusTooManyRequests || he.Status == http.StatusRequestTimeout ||
			he.Status == http.StatusConflict || he.Status >= 500
	}
	var me *malformedError
	var ne *networkError
	var te *timeoutError
	return errors.Is(err, errNoChoices) || errors.As(err, &me) || errors.As(err, &ne) || errors.As(err, &te)
}

// fix says what to change after a failure no retry can mend.
func fix(r *roleClient, err error) string {
	var he *httpError
	if !errors.As(err, &he) {
		return ""
	}
	switch he.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Sprintf(" (set the key in $%s, or name another variable in %s.api_key_env)", r.keyEnv, r.role)
	case http.StatusNotFound:
		return fmt.Sprintf(" (check %s.model %q and %s.base_url %q)", r.role, r.rc.Model, r.role, RedactURL(r.rc.BaseURL))
	case http.StatusBadRequest:
		return fmt.Sprintf(" (check %s.model, %s.max_tokens and %s.temperature against what the server accepts)", r.role, r.role, r.role)
	}
	return ""
}

// backoff is the wait before retry number attempt+1: uniform in
// [0, min(maxBackoff, base·2^attempt)] ("full jitter").
func backoff(base time.Duration, attempt int) time.Duration {
	step := base
	for i := 0; i < attempt && step < maxBackoff; i++ {
		step *= 2
	}
	step = min(step, maxBackoff)
	return time.Duration(rand.Int64N(int64(step) + 1))
}

// retryAfter parses a Retry-After header, in seconds or as an HTTP date,
// capped at maxRetryAfter; 0 if absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs != secs {
			return 0
		}
		if secs >= maxRetryAfter.Seconds() {
			return maxRetryAfter
		}
		d = time.Duration(secs * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0
	}
	return max(0, min(d, maxRetryAfter))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// shortStatus is the ledger's one-phrase account of a failed call.
func shortStatus(err error) string {
	var he *httpError
	var me *malformedError
	var ne *networkError
	var te *timeoutError
	switch {
	case errors.Is(err, errReplayMiss):
		return "replay miss"
	case errors.As(err, &he):
		return fmt.Sprintf("HTTP %d", he.Status)
	case errors.As(err, &te):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.Is(err, errNoChoices):
		return "no choices"
	case errors.As(err, &me):
		return "malformed reply"
	case errors.As(err, &ne):
		return "network error"
	}
	return clip(err.Error(), 80)
}

// wireFixes adjusts each request on its way out: it puts "temperature": 0
// back into the body (go-openai omits a zero temperature, and servers then
// sample at their own default, often 0.7 or 1, which would make
// temperature-0 calls random), and sends the template name header.
type wireFixes struct {
	doer     *http.Client
	zeroTemp bool
}

func (z *wireFixes) Do(req *http.Request) (*http.Response, error) {
	if name := templateFrom(req.Context()); name != "" {
		req.Header.Set(TemplateHeader, name)
	}
	if !z.zeroTemp || req.Body == nil || req.Method != http.MethodPost {
		return z.doer.Do(req)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil {
		if _, ok := fields["temperature"]; !ok {
			fields["temperature"] = json.RawMessage("0")
			if b, err := json.Marshal(fields); err == nil {
				body = b
			}
		}
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return z.doer.Do(req)
}

type templateKey struct{}

func withTemplate(ctx context.Context, name string) context.Context {
	if name == "" {
		return ctx
	}
	return context.WithValue(ctx, templateKey{}, name)
}

func templateFrom(ctx context.Context) string {
	name, _ := ctx.Value(templateKey{}).(string)
	return name
}
