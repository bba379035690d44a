package library

import "github.com/latm/latm/tool"

// The domain types moved to package tool. These aliases keep code written
// against library.X compiling while it moves over; new code names tool.X.
type (
	Example      = tool.Example
	UsageExample = tool.UsageExample
	Message      = tool.Message
	Validation   = tool.Validation
	Tool         = tool.Tool
	Run          = tool.Run
	ModelCall    = tool.ModelCall
	Pending      = tool.Pending
	Route        = tool.Route
	SearchHit    = tool.SearchHit
	PackageError = tool.PackageError
)

// Statuses, as in package tool.
const (
	StatusActive  = tool.StatusActive
	StatusRetired = tool.StatusRetired
	PendingOpen   = tool.PendingOpen
	PendingSolved = tool.PendingSolved
)

// Functions of package tool, under their old names.
var (
	ToolRef       = tool.Ref
	ParseRef      = tool.ParseRef
	ValidateName  = tool.ValidateName
	EncodePackage = tool.EncodePackage
	DecodePackage = tool.DecodePackage
)
