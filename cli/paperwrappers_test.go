package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/latm/latm/internal/paperwrappers"
	"github.com/latm/latm/tool"
)

// GPT-4's wrappers, converted to packages, import with `latm tools
// import`, which re-runs every usage example and refuses a package whose
// examples fail. The remainder tool's is left out: its usage examples
// search up to 480 550 numbers (35 M steps, seconds), and the path is the
// same for every package; paperwrappers' TestPaperWrappersPassTheirUseCases
// imports all six into a library and runs every use case.
func TestToolsImportThePaperWrappers(t *testing.T) {
	db := toolsEnv(t)
	imported := 0
	for _, task := range paperwrappers.Tasks() {
		if task == "chinese_remainder_theorem" {
			continue
		}
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
		imported++
	}
	if imported != 5 {
		t.Fatalf("%d wrappers imported, want the paper's other 5", imported)
	}
}
