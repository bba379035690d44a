// Package dispatch routes a stream of instances of many tasks: each to an
// existing tool or, for an unknown task, to the pending pool, where similar
// instances gather into candidate new tasks until one has enough labelled
// examples for the maker to make its tool.
//
// Routing has two stages. Stage 1 needs no model: the library's full-text
// index proposes candidate tools, and each is scored against the instance
// with a template measure over its usage-example questions (score.go). A
// confident match routes at once; a clearly foreign instance is unknown at
// once. Anything in between goes to stage 2, the dispatcher model, shown
// one example question per candidate (prompts/templates/dispatch.tmpl); a
// reply that does not name a candidate is unknown. Every decision is
// recorded in the library with its stage and score.
//
// The package never runs tools or writes prompts itself: tools are used
// through user.Solver, made through maker.Maker, and prompts are templates.
// Thresholds are values passed in (DefaultThresholds were calibrated on
// BIG-Bench Hard, see docs/bench-dispatch.md), never globals read at run
// time.
package dispatch
