package serve

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/latm/latm/tool"
)

// jsonFields are the JSON names of a struct's fields, embedded ones
// flattened as encoding/json does.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			out = append(out, jsonFields(ft)...)
			continue
		}
		if name != "-" && f.IsExported() {
			out = append(out, name)
		}
	}
	return out
}

// The views the gateway added are described field by field in openapi.json.
func TestOpenAPIDescribesGatewayViews(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
				AllOf      []struct {
					Properties map[string]any `json:"properties"`
				} `json:"allOf"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	props := func(name string) map[string]any {
		s := spec.Components.Schemas[name]
		out := map[string]any{}
		for k, v := range s.Properties {
			out[k] = v
		}
		for _, a := range s.AllOf {
			for k, v := range a.Properties {
				out[k] = v
			}
		}
		return out
	}
	for schema, typ := range map[string]reflect.Type{
		"ToolSummary":    reflect.TypeOf(toolSummary{}),
		"PhaseChange":    reflect.TypeOf(tool.PhaseChange{}),
		"GatewaySavings": reflect.TypeOf(savingsView{}),
		"GatewayDay":     reflect.TypeOf(tool.GatewayDay{}),
		"Pending":        reflect.TypeOf(pendingView{}),
	} {
		p := props(schema)
		for _, f := range jsonFields(typ) {
			if p[f] == nil {
				t.Errorf("openapi.json %s lacks %q", schema, f)
			}
		}
	}
	if props("ToolDetail")["phases"] == nil {
		t.Error("openapi.json ToolDetail lacks phases")
	}
}
