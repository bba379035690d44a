//go:build race

package starlarkrt

// raceEnabled is true in race-detector builds, whose shadow memory cannot
// live under a worker's OS memory limit: such workers run without it.
const raceEnabled = true
