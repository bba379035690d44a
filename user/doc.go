// Package user answers instances with a tool, as the method's cheap tool
// user does: the model is shown the tool's source and usage examples and
// writes a short call that assigns the answer to ans; the call runs in the
// sandbox after the tool; ans is post-processed by package answer into the
// question's answer format (an option letter for multiple choice, "No time
// slot works." for an impossible meeting, …); on a sandbox error the error
// is fed back and the model tries again (Solver.Retries). Every solve is
// recorded as a run.
package user
