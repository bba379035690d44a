package cli

import (
	"fmt"

	"github.com/latm/latm/gateway"
)

// gatewayConfig turns the gateway section (checked when it was loaded)
// into the gateway's settings: the upstream is the configured role's
// endpoint, model and prices unless gateway.upstream or gateway.model set
// their own; latm's own upstream key is read from gateway.api_key_env.
func gatewayConfig(app *App) (gateway.Config, error) {
	c := app.Cfg.Gateway
	var role RoleConfig
	switch c.Role {
	case "maker":
		role = app.Cfg.Maker
	case "user":
		role = app.Cfg.User
	case "dispatcher":
		role = app.Cfg.Dispatcher
	default:
		role = app.Cfg.Solver
	}
	g := gateway.Defaults()
	g.Upstream, g.Model, g.PriceIn, g.PriceOut = role.BaseURL, role.Model, role.PriceIn, role.PriceOut
	if c.Upstream != "" {
		g.Upstream = c.Upstream
	}
	if c.Model != "" {
		g.Model = c.Model
	}
	if c.APIKeyEnv != "" {
		getenv := app.Getenv
		if getenv == nil {
			return g, fmt.Errorf("gateway.api_key_env: no environment to read %s from", c.APIKeyEnv)
		}
		if g.APIKey = getenv(c.APIKeyEnv); g.APIKey == "" {
			return g, fmt.Errorf("gateway.api_key_env names %s, which is not set; set it or leave gateway.api_key_env empty to forward each client's Authorization", c.APIKeyEnv)
		}
	}
	g.UpstreamTimeout, g.AllowSystem, g.Instance, g.OptOutHeader = c.UpstreamTimeout, c.AllowSystem, c.Instance, c.OptOutHeader
	g.MaxAnswer, g.ShareTools, g.ShadowN, g.LiveThreshold = c.MaxAnswer, c.ShareTools, c.Shadow, c.LiveThreshold
	g.SpotRate, g.SpotWindow, g.ToolTimeout = c.SpotRate, c.SpotWindow, c.ToolTimeout
	g.MinExamples = app.Cfg.Dispatch.MinExamples
	return g, nil
}
