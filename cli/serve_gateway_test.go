package cli

import (
	"strings"
	"testing"
	"time"
)

// The gateway's upstream is its role's endpoint, model and prices unless
// gateway.upstream or gateway.model say otherwise; latm's own key comes from
// the variable gateway.api_key_env names, which must be set.
func TestGatewayConfigFromRoleAndKeys(t *testing.T) {
	app := &App{Getenv: func(k string) string {
		if k == "UP_KEY" {
			return "sk-own"
		}
		return ""
	}}
	app.Cfg.Solver = RoleConfig{BaseURL: "http://solver:1/v1", Model: "strong", PriceIn: 3, PriceOut: 9}
	app.Cfg.Maker = RoleConfig{BaseURL: "http://maker:1/v1", Model: "maker-m"}
	app.Cfg.Dispatch.MinExamples = 8
	app.Cfg.Gateway = GatewaySection{Role: "solver", Instance: "user", OptOutHeader: "X-Skip", MaxAnswer: 50, Shadow: 7,
		LiveThreshold: 0.9, SpotRate: 0.1, SpotWindow: 9, ToolTimeout: time.Second, UpstreamTimeout: time.Minute, AllowSystem: true}
	g, err := gatewayConfig(app)
	if err != nil {
		t.Fatal(err)
	}
	if g.Upstream != "http://solver:1/v1" || g.Model != "strong" || g.PriceIn != 3 || g.PriceOut != 9 || g.APIKey != "" {
		t.Errorf("from the solver role: %+v", g)
	}
	if g.Instance != "user" || g.OptOutHeader != "X-Skip" || g.ShadowN != 7 || g.LiveThreshold != 0.9 || g.SpotRate != 0.1 ||
		g.SpotWindow != 9 || g.MinExamples != 8 || g.MaxAnswer != 50 || !g.AllowSystem {
		t.Errorf("settings: %+v", g)
	}
	app.Cfg.Gateway.Role, app.Cfg.Gateway.Model, app.Cfg.Gateway.APIKeyEnv = "maker", "other", "UP_KEY"
	if g, err = gatewayConfig(app); err != nil || g.Upstream != "http://maker:1/v1" || g.Model != "other" || g.APIKey != "sk-own" {
		t.Errorf("maker role, own model and key: %+v %v", g, err)
	}
	app.Cfg.Gateway.APIKeyEnv = "MISSING"
	if _, err := gatewayConfig(app); err == nil || !strings.Contains(err.Error(), "MISSING") {
		t.Errorf("an unset key variable: %v", err)
	}
}
