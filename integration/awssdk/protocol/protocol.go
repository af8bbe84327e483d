// Package protocol turns an AWS API call into an HTTP request and its response back into a
// result, from the service's model, for each of the AWS protocols: awsJson1_0 and
// awsJson1_1 ("json"), restJson1 ("rest-json"), restXml ("rest-xml"), awsQuery ("query")
// and ec2Query ("ec2").
//
// Values are the JSON values a state machine holds (asl/value: nil, bool, json.Number,
// string, []any, map[string]any). Parameters come keyed as Step Functions spells members,
// in PascalCase (RestApiId for the model's restApiId); results go back the same way. Keys of
// map shapes (a DynamoDB item's attribute names) are data and are never renamed.
package protocol

import (
	"net/http"
	"net/url"
	"unicode"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// Request is an HTTP request before it has an endpoint and a signature.
type Request struct {
	Method string
	// Path is the escaped path, starting with '/', relative to the endpoint's path.
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// HostPrefix is the operation's endpoint host prefix with its labels filled in ("" for none).
	HostPrefix string
}

// Response is what the service answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Codec speaks one protocol.
type Codec interface {
	// Encode builds the request that calls op with params (an object keyed in PascalCase).
	// A parameter of the wrong shape is an *InvalidParameter error.
	Encode(svc *model.Service, op *model.Operation, params map[string]any) (*Request, error)
	// Decode renders a successful response as op's output, keyed in PascalCase.
	Decode(svc *model.Service, op *model.Operation, resp *Response) (any, error)
	// Error reads an unsuccessful response's error code (as the service names it, without a
	// namespace: ResourceNotFoundException, NoSuchKey) and message.
	Error(svc *model.Service, resp *Response) (code, message string)
}

// InvalidParameter is a parameter that does not fit the model.
type InvalidParameter struct {
	Path    string // where, as a dotted path of PascalCase members
	Message string
}

func (e *InvalidParameter) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// codecs holds the protocols that have a codec, by their model name.
var codecs = map[string]Codec{}

// register makes a codec available under a model protocol name.
func register(name string, c Codec) { codecs[name] = c }

// For returns the codec of a protocol, or nil.
func For(protocol string) Codec { return codecs[protocol] }

// Supported tells whether a protocol has a codec.
func Supported(protocol string) bool { return codecs[protocol] != nil }

// StepFunctionsName is a member's name as Step Functions spells it: PascalCase, and a member
// called Equals is EqualsValue, as the AWS SDK for Java names it (equals is a reserved method
// there; the "API naming conventions" of the Step Functions developer guide).
func StepFunctionsName(member string) string {
	if member == "Equals" || member == "equals" {
		return "EqualsValue"
	}
	r, n := utf8.DecodeRuneInString(member)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return member
	}
	return string(unicode.ToUpper(r)) + member[n:]
}

// Member finds the member of a structure that a Step Functions key names: the member of that
// name, or the one whose Step Functions spelling it is. A list sent as Filter.1, Filter.2, ...
// is named by its member (Filters), never by its wire name, and Equals only as EqualsValue.
func Member(sh *model.Shape, key string) (string, *model.ShapeRef) {
	if ref, ok := sh.Members[key]; ok && StepFunctionsName(key) != "EqualsValue" {
		return key, ref
	}
	for name, ref := range sh.Members {
		if StepFunctionsName(name) == key {
			return name, ref
		}
	}
	return "", nil
}
