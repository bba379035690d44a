// Package answer owns what latm does with answers, apart from models and
// the sandbox:
//
//   - FromReply reads the final answer out of a model's free-text reply
//     ("Answer: X", "So the answer is X.", \boxed{X}, Markdown, quotes,
//     "(B) text" → "(B)"; the last of several stands).
//   - Format post-processes a tool program's answer value into the task's
//     answer format, exactly as the reference implementation's get_ans
//     (option texts and one-based indexes to option letters, the meeting
//     rules); Str renders a value as Python's str() would.
//   - Correct scores an answer against a target as the paper does.
//
// The package imports only the standard library. It never calls a model
// and never runs a program: callers hand it text and values.
package answer
