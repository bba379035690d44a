//go:build !race

package starlarkrt

const raceEnabled = false
