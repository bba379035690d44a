package tool

import (
	"strings"
	"testing"
)

func TestRefs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ref     string
		name    string
		version int
		wantErr string
	}{
		{"word_sorting", "word_sorting", 0, ""},
		{"word_sorting@3", "word_sorting", 3, ""},
		{"a-b2@12", "a-b2", 12, ""},
		{"", "", 0, "empty tool name"},
		{"@2", "", 0, "empty tool name"},
		{"Word", "", 0, "lower-case"},
		{"2cool", "", 0, "starting with a letter"},
		{"has space", "", 0, "' '"},
		{"x@", "", 0, "whole number"},
		{"x@0", "", 0, "whole number"},
		{"x@-1", "", 0, "whole number"},
		{"x@01", "", 0, "whole number"},
		{"x@+1", "", 0, "whole number"},
		{"x@1@2", "", 0, "whole number"},
		{"x@latest", "", 0, "whole number"},
		{strings.Repeat("a", 65), "", 0, "at most 64"},
	}
	for _, tt := range tests {
		name, v, err := ParseRef(tt.ref)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseRef(%q) error = %v, want one saying %q", tt.ref, err, tt.wantErr)
			}
			continue
		}
		if err != nil || name != tt.name || v != tt.version {
			t.Errorf("ParseRef(%q) = %q, %d, %v; want %q, %d", tt.ref, name, v, err, tt.name, tt.version)
		}
		if got := Ref(name, v); got != tt.ref {
			t.Errorf("Ref(%q, %d) = %q, want %q", name, v, got, tt.ref)
		}
	}
}
