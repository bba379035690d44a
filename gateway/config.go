package gateway

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// How the instance text is taken from a candidate's messages.
const (
	// InstanceSystemUser joins the system message (when there is one) and
	// the user message with a blank line: two requests with the same user
	// text under different system prompts are different instances.
	InstanceSystemUser = "system+user"
	// InstanceUser takes the user message alone; the system message must
	// then not change the answer (one application, one system prompt).
	InstanceUser = "user"
)

// Config steers the gateway. Start from Defaults: a zero number takes its
// default, except SpotRate (0 never spot-checks); booleans are as set.
type Config struct {
	// Upstream is the base URL of the strong model's OpenAI-compatible
	// API, with its /v1 (https://api.openai.com/v1): every request no live
	// tool answers goes there.
	Upstream string
	// Model is the upstream model: /v1/models lists it, and its prices
	// estimate what upstream would have cost. A request's own model
	// passes through unchanged.
	Model string
	// APIKey is latm's own upstream key; "" forwards the client's
	// Authorization header unchanged. It is never logged or stored.
	APIKey string
	// Prices of the upstream model, money per million tokens.
	PriceIn, PriceOut float64
	// UpstreamTimeout bounds an upstream call up to its response header
	// (a streamed body then runs as long as upstream streams); 0: 2m.
	UpstreamTimeout time.Duration

	// AllowSystem lets a request with a system message before its one
	// user message be a candidate (default true).
	AllowSystem bool
	// Instance is InstanceSystemUser (default) or InstanceUser.
	Instance string
	// OptOutHeader, when a request carries it (any value but "" or
	// "0"/"false"), makes the request pass through untouched.
	OptOutHeader string
	// MaxAnswer is the longest extracted answer, in bytes, that counts as
	// a short answer: replies with longer (or no) answers are never pooled.
	MaxAnswer int

	// ShareTools lets every tenant's requests reach every tenant's tools.
	ShareTools bool
	// MinExamples is how many labelled requests a group needs before its
	// tool is made (dispatch.min_examples).
	MinExamples int
	// ShadowN is how many requests a new tool answers beside upstream
	// before its agreement is judged.
	ShadowN int
	// LiveThreshold is the agreement (0..1) a tool needs in shadow to go
	// live, and keeps over the spot window to stay live.
	LiveThreshold float64
	// SpotRate is the share (0..1) of a live tool's requests that upstream
	// also answers, to check it.
	SpotRate float64
	// SpotWindow is how many of the latest spot checks the live agreement
	// is taken over.
	SpotWindow int
	// ToolTimeout bounds answering one request with a tool (the user
	// model's call included); past it the request goes upstream.
	ToolTimeout time.Duration
}

// Defaults are the gateway's settings before configuration.
func Defaults() Config {
	return Config{
		Upstream: "https://api.openai.com/v1", Model: "gpt-4.1", PriceIn: 2.00, PriceOut: 8.00,
		UpstreamTimeout: 2 * time.Minute, AllowSystem: true, Instance: InstanceSystemUser,
		OptOutHeader: "X-Latm-Bypass", MaxAnswer: 200, MinExamples: 6,
		ShadowN: 20, LiveThreshold: 0.95, SpotRate: 0.02, SpotWindow: 20, ToolTimeout: 20 * time.Second,
	}
}

// withDefaults fills the zero fields that have a default (booleans keep
// their value) and checks the rest.
func (c Config) withDefaults() (Config, error) {
	d := Defaults()
	if c.Upstream == "" {
		c.Upstream = d.Upstream
	}
	c.Upstream = strings.TrimRight(c.Upstream, "/")
	if u, err := url.Parse(c.Upstream); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("gateway.upstream %q: want an http(s) base URL such as https://api.openai.com/v1", c.Upstream)
	}
	if c.Model == "" {
		c.Model = d.Model
	}
	if c.UpstreamTimeout <= 0 {
		c.UpstreamTimeout = d.UpstreamTimeout
	}
	switch c.Instance {
	case "":
		c.Instance = d.Instance
	case InstanceSystemUser, InstanceUser:
	default:
		return c, fmt.Errorf("gateway.instance %q: want %q or %q", c.Instance, InstanceSystemUser, InstanceUser)
	}
	if c.OptOutHeader == "" {
		c.OptOutHeader = d.OptOutHeader
	}
	if c.MaxAnswer <= 0 {
		c.MaxAnswer = d.MaxAnswer
	}
	if c.MinExamples <= 0 {
		c.MinExamples = d.MinExamples
	}
	if c.ShadowN <= 0 {
		c.ShadowN = d.ShadowN
	}
	if c.SpotWindow <= 0 {
		c.SpotWindow = d.SpotWindow
	}
	if c.ToolTimeout <= 0 {
		c.ToolTimeout = d.ToolTimeout
	}
	var errs []error
	if c.LiveThreshold == 0 {
		c.LiveThreshold = d.LiveThreshold
	}
	if c.LiveThreshold < 0 || c.LiveThreshold > 1 {
		errs = append(errs, fmt.Errorf("gateway.live_threshold %v: want a share between 0 and 1", c.LiveThreshold))
	}
	if c.SpotRate < 0 || c.SpotRate > 1 {
		errs = append(errs, fmt.Errorf("gateway.spot_rate %v: want a share between 0 and 1", c.SpotRate))
	}
	if c.PriceIn < 0 || c.PriceOut < 0 {
		errs = append(errs, errors.New("gateway prices must not be negative"))
	}
	return c, errors.Join(errs...)
}
