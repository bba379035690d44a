package tool

import (
	"fmt"
	"strconv"
	"strings"
)

// maxNameLen bounds tool names (bytes).
const maxNameLen = 64

// Ref renders "name@version"; version 0 renders just the name.
func Ref(name string, version int) string {
	if version == 0 {
		return name
	}
	return name + "@" + strconv.Itoa(version)
}

// ParseRef splits "name" or "name@3"; version 0 means the newest active.
func ParseRef(ref string) (name string, version int, err error) {
	name, v, hasVersion := strings.Cut(ref, "@")
	if err := ValidateName(name); err != nil {
		return "", 0, fmt.Errorf("tool reference %q: %w", ref, err)
	}
	if !hasVersion {
		return name, 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || strings.HasPrefix(v, "+") || strings.HasPrefix(v, "0") {
		return "", 0, fmt.Errorf("tool reference %q: version %q must be a whole number from 1 (write NAME@3, or just NAME for the newest)", ref, v)
	}
	return name, n, nil
}

// ValidateName checks that name is a tool name: a lower-case letter, then
// lower-case letters, digits, '_' or '-', at most 64 in all.
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("empty tool name (use lower-case letters, digits, _ and -, starting with a letter, e.g. word_sorting)")
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("tool name %.20q… is %d bytes long; at most %d are allowed", name, len(name), maxNameLen)
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || i > 0 && (r >= '0' && r <= '9' || r == '_' || r == '-')
		if !ok {
			return fmt.Errorf("tool name %q: character %q at %d is not allowed (use lower-case letters, digits, _ and -, starting with a letter, e.g. word_sorting)", name, r, i+1)
		}
	}
	return nil
}
