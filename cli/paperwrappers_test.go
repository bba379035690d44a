package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/latm/latm/internal/paperwrappers"
	"github.com/latm/latm/tool"
)

// GPT-4's six wrappers, converted to packages, import with `latm tools
// import`, which re-runs every usage example and refuses a package whose
// examples fail.
func TestToolsImportThePaperWrappers(t *testing.T) {
	db := toolsEnv(t)
	// The remainder tool searches up to 480 550 numbers: within the step
	// limit, but not within 10 s on a loaded machine.
	t.Setenv("LATM_LIMITS_TIMEOUT", "2m")
	for _, task := range paperwrappers.Tasks() {
		tl, err := paperwrappers.Tool(task)
		if err != nil {
			t.Fatal(err)
		}
		pkg, err := tool.EncodePackage(tl)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), task+".star")
		if err := os.WriteFile(file, pkg, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, errs := runTools(t, db, "import", file); code != 0 {
			t.Fatalf("tools import %s: exit %d\n%s%s", task, code, out, errs)
		}
	}
}
