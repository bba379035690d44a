package llm

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// A base URL may carry credentials (http://user:key@host/v1). They are
// masked wherever a URL is shown and never stored.

// RedactURL returns raw with any user information replaced by "***", for
// messages and output. A string that does not parse as a URL is returned
// with everything before an "@" in its authority masked.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return redactAuthority(raw)
	}
	if u.User == nil {
		return raw
	}
	u.User = nil
	s := u.String()
	return strings.Replace(s, "://", "://***@", 1)
}

// StripUserinfo returns raw without its user information, for storage.
func StripUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return redactAuthority(raw)
	}
	if u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// redactAuthority masks "user:key@" after a scheme in text that is not a
// well-formed URL.
func redactAuthority(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	rest := s[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return s[:i+3] + "***@" + rest[at+1:]
	}
	return s
}

// redactErr masks the URL inside any *url.Error in err's chain, in place:
// net/http masks only the password, and a key may sit in the user name.
func redactErr(err error) {
	for e := err; e != nil; {
		var ue *url.Error
		if !errors.As(e, &ue) {
			return
		}
		ue.URL = RedactURL(ue.URL)
		e = ue.Err
	}
}

// userinfoInText finds "scheme://userinfo@" in free text.
var userinfoInText = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@"'<>]+@`)

// RedactText masks the credentials of every URL in s, for messages that
// may quote a base URL from anywhere.
func RedactText(s string) string { return userinfoInText.ReplaceAllString(s, "${1}***@") }
