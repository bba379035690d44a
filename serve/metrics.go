package serve

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is the server's own registry (never the global one, so that
// two servers in one process, as in tests, count apart).
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	answers    *prometheus.CounterVec
	modelCalls prometheus.Counter
	tokens     *prometheus.CounterVec
	cost       prometheus.Counter
	limits     *prometheus.CounterVec
	toolCalls  *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latm_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "latm_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latm_answers_total", Help: "Answered questions by path (no-model, user-model, strong-model, none); the no-model share is no-model over the sum.",
		}, []string{"path"}),
		modelCalls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "latm_model_calls_total", Help: "Model calls made for API and MCP requests.",
		}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latm_model_tokens_total", Help: "Model tokens for API and MCP requests, by direction (in, out).",
		}, []string{"direction"}),
		cost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "latm_model_cost_total", Help: "Model cost for API and MCP requests, from the configured prices.",
		}),
		limits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latm_sandbox_limits_total", Help: "Direct tool calls stopped by a sandbox limit, by limit.",
		}, []string{"limit"}),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latm_tool_calls_total", Help: "Direct tool calls by outcome (ok, error, limit).",
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.answers, m.modelCalls, m.tokens, m.cost, m.limits, m.toolCalls,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *metrics) request(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) solved(r *SolveResult) {
	m.answers.WithLabelValues(r.Path).Inc()
	m.modelCalls.Add(float64(r.ModelCalls))
	m.tokens.WithLabelValues("in").Add(float64(r.TokensIn))
	m.tokens.WithLabelValues("out").Add(float64(r.TokensOut))
	m.cost.Add(r.Cost)
}

func (m *metrics) called(r *CallResult) {
	switch {
	case r.LimitHit != "":
		m.limits.WithLabelValues(r.LimitHit).Inc()
		m.toolCalls.WithLabelValues("limit").Inc()
	case !r.OK:
		m.toolCalls.WithLabelValues("error").Inc()
	default:
		m.toolCalls.WithLabelValues("ok").Inc()
	}
}
