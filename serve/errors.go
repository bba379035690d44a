package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/latm/latm/library"
)

// InputError is a request the caller must fix: Field names the part of
// the input at fault ("" for the request as a whole).
type InputError struct {
	Field string
	Err   error
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }

func badInput(field, format string, args ...any) error {
	return &InputError{Field: field, Err: fmt.Errorf(format, args...)}
}

// errorBody is every 4xx and 5xx response: {"error": {code, message, field}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Error codes.
const (
	codeBadRequest   = "bad_request"
	codeNotFound     = "not_found"
	codeUnauthorized = "unauthorized"
	codeRateLimited  = "rate_limited"
	codeTooLarge     = "too_large"
	codeInternal     = "internal"
	codeUnavailable  = "unavailable"
	codeMethod       = "method_not_allowed"
)

func writeError(w http.ResponseWriter, status int, code, field, msg string) {
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: msg, Field: field}})
}

// fail answers with the error err stands for: an InputError is 400, a
// missing thing 404, a body over its limit 413, a cancelled request 503,
// anything else 500, logged and with its message (a model endpoint that is
// down, a store that fails), so that the caller can tell the operator.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ie *InputError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge, "", fmt.Sprintf("the request body is over the limit of %d bytes", mbe.Limit))
	case errors.As(err, &ie):
		writeError(w, http.StatusBadRequest, codeBadRequest, ie.Field, ie.Error())
	case errors.Is(err, library.ErrNotFound):
		writeError(w, http.StatusNotFound, codeNotFound, "", err.Error())
	case r.Context().Err() != nil:
		writeError(w, http.StatusServiceUnavailable, codeUnavailable, "", "the request was cancelled: "+r.Context().Err().Error())
	default:
		s.log.ErrorContext(r.Context(), "request failed", slog.String("route", r.Pattern), slog.Any("err", err))
		writeError(w, http.StatusInternalServerError, codeInternal, "", "internal error: "+err.Error())
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decode reads one JSON object of the request body into v, refusing
// unknown fields and trailing data, with an error naming what is wrong.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return badInput("", "Content-Type is %q; send application/json", ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.Is(err, io.EOF):
			return badInput("", "the request body is empty; send a JSON object")
		case errors.As(err, &se):
			return badInput("", "invalid JSON at byte %d: %v", se.Offset, err)
		case errors.As(err, &te):
			return badInput(te.Field, "must be %s, not JSON %s", te.Type, te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return badInput(f, "unknown field %q (see /openapi.json)", f)
		}
		return badInput("", "invalid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badInput("", "the body has data after the JSON object; send exactly one object")
	}
	return nil
}
