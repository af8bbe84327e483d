package asl

import (
	"github.com/stepwise-run/stepwise/asl/intrinsic"
	"github.com/stepwise-run/stepwise/asl/jsonata"
	"github.com/stepwise-run/stepwise/asl/jsonpath"
)

// QueryLanguage is the language a state's expressions are written in.
type QueryLanguage string

const (
	JSONPath QueryLanguage = "JSONPath"
	JSONata  QueryLanguage = "JSONata"
)

// The state types of the Amazon States Language.
const (
	TypePass     = "Pass"
	TypeTask     = "Task"
	TypeChoice   = "Choice"
	TypeWait     = "Wait"
	TypeSucceed  = "Succeed"
	TypeFail     = "Fail"
	TypeParallel = "Parallel"
	TypeMap      = "Map"
)

// StateMachine is a parsed, validated definition. Everything that can be compiled (paths,
// intrinsic calls, JSONata expressions) is compiled here, once.
type StateMachine struct {
	Graph
	Comment        string
	Version        string
	TimeoutSeconds *int64
	// Source is the definition text as given.
	Source string
}

// Graph is a set of states with a start: the whole machine, a Parallel branch or a Map's
// item processor. Transitions never leave a graph.
type Graph struct {
	StartAt       string
	States        map[string]*State
	QueryLanguage QueryLanguage
}

// State is one state of any type. Fields that do not apply to a type stay zero; the
// validator has already rejected fields a type does not allow.
type State struct {
	Name          string
	Type          string
	Comment       string
	QueryLanguage QueryLanguage

	Next string
	End  bool

	// JSONPath input/output processing. A nil path means the field was absent (default "$").
	InputPath      *Path
	OutputPath     *Path
	Parameters     *Template
	ResultSelector *Template
	ResultPath     *Path

	// JSONata input/output processing.
	Arguments *Template
	Output    *Template

	Assign *Template

	// Pass
	Result    any
	HasResult bool

	// Task
	Resource         string
	Credentials      *Template
	TimeoutSeconds   *IntField
	HeartbeatSeconds *IntField

	// Task, Parallel, Map
	Retry []*Retrier
	Catch []*Catcher

	// Choice
	Choices []*ChoiceRule
	Default string

	// Wait
	Seconds   *IntField
	Timestamp *StringField

	// Fail
	Error *StringField
	Cause *StringField

	// Parallel
	Branches []*Graph

	// Map
	ItemProcessor              *Graph
	ProcessorMode              string // INLINE or DISTRIBUTED
	ExecutionType              string // STANDARD or EXPRESS (distributed only)
	ItemsPath                  *Path
	Items                      *Template
	ItemSelector               *Template
	MaxConcurrency             *IntField
	ToleratedFailurePercentage *NumberField
	ToleratedFailureCount      *IntField
	ItemReader                 *ItemReader
	ItemBatcher                *ItemBatcher
	ResultWriter               *Template
	// Writer is what the engine reads of ResultWriter: its Resource and Transformation.
	Writer *ResultWriter
	Label  string
}

// Path is a JSONPath expression rooted at the state's input ("$"), the Context object ("$$")
// or a workflow variable ("$name"). Null is set for a field given as JSON null.
type Path struct {
	Text string
	Null bool
	Root Root
	// Var is the variable's name when Root is RootVariable.
	Var   string
	Query *jsonpath.Path
}

// Root says what a Path is evaluated against.
type Root int

const (
	RootInput Root = iota
	RootContext
	RootVariable
)

// Template is a compiled value whose parts may be computed: a JSONPath payload template
// (keys ending in ".$"), a JSONata value (strings "{% ... %}"), or a plain literal.
type Template struct {
	Node Node
}

// Node is one part of a Template.
type Node interface{ node() }

type (
	// Literal is a constant value.
	Literal struct{ Value any }
	// Object builds an object from its fields, in order.
	Object struct{ Fields []Field }
	// Array builds an array from its elements.
	Array struct{ Elems []Node }
	// PathNode evaluates a Path (a ".$" value in JSONPath mode).
	PathNode struct{ Path *Path }
	// CallNode evaluates an intrinsic function call (a ".$" value in JSONPath mode).
	CallNode struct {
		Text string
		Call *intrinsic.Call
	}
	// ExprNode evaluates a JSONata expression (a "{% ... %}" string in JSONata mode).
	ExprNode struct {
		Text string
		Expr *jsonata.Expr
	}
)

// Field is one member of an Object node. Key is the output key (".$" removed); Source is
// the key as written, used in error messages.
type Field struct {
	Key    string
	Source string
	Value  Node
}

func (Literal) node()  {}
func (Object) node()   {}
func (Array) node()    {}
func (PathNode) node() {}
func (CallNode) node() {}
func (ExprNode) node() {}

// IntField is an integer given literally, by a reference path (the "...Path" field) or,
// in JSONata, by an expression.
type IntField struct {
	Value *int64
	Path  *Path
	Expr  *Template
}

// NumberField is IntField for numbers that may have a fraction.
type NumberField struct {
	Value *float64
	Path  *Path
	Expr  *Template
}

// StringField is a string given literally, by a path or intrinsic call (the "...Path" field)
// or, in JSONata, by an expression.
type StringField struct {
	Value *string
	Path  *Template
	Expr  *Template
}

// Retrier is one element of a Retry array.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int64
	MaxAttempts     int64
	BackoffRate     float64
	MaxDelaySeconds *int64
	JitterStrategy  string
}

// Catcher is one element of a Catch array.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  *Path
	Assign      *Template
	Output      *Template
}

// ChoiceRule is a Choice rule: a comparison, a boolean combination, or (JSONata) a Condition.
// Top-level rules carry Next, and may carry Assign and Output.
type ChoiceRule struct {
	Variable *Path
	// Operator is the comparison's name without a "Path" suffix, e.g. "StringEquals".
	Operator string
	// Operand is the literal to compare with; OperandPath is set for the "...Path" form.
	Operand     any
	OperandPath *Path

	And []*ChoiceRule
	Or  []*ChoiceRule
	Not *ChoiceRule

	Condition *Template

	Next   string
	Assign *Template
	Output *Template
}

// ItemReader is a Distributed Map's item source.
type ItemReader struct {
	Resource     string
	Parameters   *Template
	ReaderConfig map[string]any
	MaxItems     *IntField
}

// ItemBatcher groups Distributed Map items into batches.
type ItemBatcher struct {
	MaxItemsPerBatch      *IntField
	MaxInputBytesPerBatch *IntField
	BatchInput            *Template
}

// ResultWriter is a Distributed Map's result destination: an S3 Resource, or only a
// WriterConfig whose Transformation reshapes the Map state's output.
type ResultWriter struct {
	Resource       string
	Transformation string // NONE, COMPACT or FLATTEN; empty when WriterConfig is absent
}
