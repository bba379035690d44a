// Package prompts holds every prompt latm sends, as text/template files
// embedded in the binary; a directory named in the config may override any
// of them by file name.
package prompts

// CONTRACT FILE — owned by the maker work. Consumers add their own template
// files under templates/ (use.tmpl, dispatch.tmpl, direct.tmpl, cot.tmpl …)
// with the data type defined in the consuming package.

// Set is a loaded set of templates.
type Set struct{}

// Load returns the embedded templates, overridden by any *.tmpl file in dir
// (dir may be empty).
func Load(dir string) (*Set, error) { panic("todo") }

// Render fills the template name (without .tmpl) with data.
func (s *Set) Render(name string, data any) (string, error) { panic("todo") }
