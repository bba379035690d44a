package dispatch

import "strings"

// family names the task family of a BIG-Bench Hard task: the three, five
// and seven objects variants of one task are one family.
func family(task string) string {
	for _, n := range []string{"_three_objects", "_five_objects", "_seven_objects"} {
		if f, ok := strings.CutSuffix(task, n); ok {
			return f
		}
	}
	return task
}
