package serve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/latm/latm/library"
)

// tokenCookie carries a token for the console, whose pages a browser
// loads without an Authorization header. It is only honoured on reads and
// on requests with consoleHeader, which a cross-site form cannot send.
const (
	tokenCookie   = "latm_token"
	consoleHeader = "X-Latm-Console"
)

// TokenHeader carries a latm token instead of Authorization, for clients
// of the OpenAI-compatible endpoint whose Authorization is their upstream
// key (docs/gateway.md).
const TokenHeader = "X-Latm-Token"

type ctxKey int

const infoKey ctxKey = iota

// reqInfo is what inner handlers tell the request log.
type reqInfo struct{ who string }

// HashToken is the stored form of a token secret: hex SHA-256.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// guard checks the token, the rate limit and bounds the body, then calls h.
func (s *Server) guard(h http.Handler, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, rate, err := s.authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="latm"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "", err.Error())
			return
		}
		if wait, ok := s.lim.allow(who, rate); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeError(w, http.StatusTooManyRequests, codeRateLimited, "",
				fmt.Sprintf("rate limit of %d requests a minute reached; retry in %s", rate, wait.Round(time.Millisecond)))
			return
		}
		if info, ok := r.Context().Value(infoKey).(*reqInfo); ok {
			info.who = who
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		h.ServeHTTP(w, r)
	})
}

// authenticate returns who is asking (a token's name, or the client's
// address when no token is needed or given) and their rate limit.
func (s *Server) authenticate(r *http.Request) (string, int, error) {
	secret := ""
	if tok := strings.TrimSpace(r.Header.Get(TokenHeader)); tok != "" {
		// The gateway's clients send their latm token here, so that their
		// Authorization header stays their upstream credential.
		secret = tok
	} else if a := r.Header.Get("Authorization"); a != "" {
		scheme, tok, _ := strings.Cut(a, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return "", 0, errors.New("the Authorization header must be \"Bearer TOKEN\"")
		}
		secret = strings.TrimSpace(tok)
	} else if c, err := r.Cookie(tokenCookie); err == nil && c.Value != "" &&
		(r.Method == http.MethodGet || r.Method == http.MethodHead || r.Header.Get(consoleHeader) != "") {
		secret = c.Value
	}
	if secret == "" {
		if s.opts.RequireTokens {
			return "", 0, errors.New("a bearer token is required (create one with latm token create NAME)")
		}
		return "addr:" + clientHost(r), s.opts.RateLimit, nil
	}
	if s.opts.Tokens == nil {
		return "", 0, errors.New("this server has no tokens configured")
	}
	t, err := s.opts.Tokens.TokenByHash(r.Context(), HashToken(secret))
	if errors.Is(err, library.ErrNotFound) || err == nil && t.Revoked() {
		return "", 0, errors.New("the token is unknown or revoked (see latm token list)")
	}
	if err != nil {
		return "", 0, fmt.Errorf("check the token: %w", err)
	}
	rate := t.Rate
	if rate == 0 {
		rate = s.opts.RateLimit
	}
	return "token:" + t.Name, rate, nil
}

func clientHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// IsLoopback reports whether a listen address (host:port) accepts only
// connections from this machine. An empty host ("":8080) listens on every
// interface and is not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// limiter is a token bucket per principal: rate requests a minute, with
// bursts of up to rate/6 (ten seconds' worth, at least 1).
type limiter struct {
	mu      sync.Mutex
	now     func() time.Time
	buckets map[string]*bucket
	def     int
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(def int, now func() time.Time) *limiter {
	return &limiter{now: now, buckets: map[string]*bucket{}, def: def}
}

// allow takes one request from who's bucket, or says how long to wait.
func (l *limiter) allow(who string, rate int) (time.Duration, bool) {
	if rate < 0 {
		return 0, true
	}
	if rate == 0 {
		rate = l.def
	}
	burst := max(float64(rate)/6, 1)
	perSec := float64(rate) / 60
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[who]
	if b == nil {
		if len(l.buckets) > 100_000 { // bounded: forget idle clients
			for k, v := range l.buckets {
				if now.Sub(v.last) > time.Minute {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: burst, last: now}
		l.buckets[who] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*perSec)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / perSec * float64(time.Second)), false
}

// cors answers preflights and sets CORS headers for listed origins only.
func (s *Server) cors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && (slices.Contains(s.opts.CORSOrigins, origin) || slices.Contains(s.opts.CORSOrigins, "*"))
		if allowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if !allowed {
				writeError(w, http.StatusForbidden, "cors_forbidden", "", "cross-origin requests from "+origin+" are not allowed (serve.cors_origins)")
				return
			}
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Mcp-Session-Id, Mcp-Protocol-Version, "+TokenHeader)
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// recorder remembers the status and size of a response; it passes
// flushes through, for streamed results.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

func (rec *recorder) Flush() {
	if f, ok := rec.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// observe logs every request with slog and counts it in the metrics, by
// route pattern (never the raw path: tool names would make unbounded
// label sets).
func (s *Server) observe(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey, info))
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := r.Pattern
		if route == "" || route == "/" {
			route = "other"
		}
		d := time.Since(start)
		s.met.request(route, rec.status, d)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.log.Log(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("route", route), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
			slog.Float64("ms", ms(d)), slog.String("client", clientHost(r)), slog.String("who", info.who))
	})
}
