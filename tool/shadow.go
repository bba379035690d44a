package tool

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Shadow checks: the first answers a tool version gives through a no-model
// path (PathParser, PathTemplate) are also asked of the user model and
// compared; one disagreement turns the version's no-model paths off.

// Outcomes of a shadow check.
const (
	ShadowAgreed    = "agreed"    // the model's answer equals the no-model answer
	ShadowDisagreed = "disagreed" // it does not: the version's no-model paths are off
	ShadowUndecided = "undecided" // the model gave no answer to compare (its call failed or was refused)
)

// ShadowKey names the tool version shadow checks are counted for: its
// name, version and the hash of the code its no-model paths run (source
// and parser), so that a version made again under the same number starts
// over.
type ShadowKey struct {
	Tool    string `json:"tool"`
	Version int    `json:"version"`
	Hash    string `json:"hash"`
}

// ShadowKeyOf is tl's shadow key.
func ShadowKeyOf(tl *Tool) ShadowKey {
	h := sha256.New()
	h.Write([]byte(tl.Source))
	h.Write([]byte{0})
	h.Write([]byte(tl.Parser))
	return ShadowKey{Tool: tl.Name, Version: tl.Version, Hash: hex.EncodeToString(h.Sum(nil))}
}

// ShadowCheck is one no-model answer compared with the user model's.
type ShadowCheck struct {
	Key           ShadowKey `json:"key"`
	Path          string    `json:"path"` // the no-model path checked: PathParser or PathTemplate
	Batch         string    `json:"batch"`
	InputID       string    `json:"input_id"`
	Question      string    `json:"question"`
	NoModelAnswer string    `json:"no_model_answer"`
	ModelAnswer   string    `json:"model_answer"` // "" when undecided
	Outcome       string    `json:"outcome"`      // ShadowAgreed, ShadowDisagreed or ShadowUndecided
	Note          string    `json:"note,omitempty"`
	At            time.Time `json:"at"`
}

// ShadowState is where a tool version's shadow checks stand.
type ShadowState struct {
	// Agreed counts, per no-model path, the distinct questions on which
	// the user model confirmed the no-model answer.
	Agreed    map[string]int `json:"agreed"`
	Undecided int            `json:"undecided"` // checks the model gave no answer for
	// Off is the first disagreement, which turned the version's no-model
	// paths off; nil while they are on.
	Off *ShadowCheck `json:"off,omitempty"`
}
