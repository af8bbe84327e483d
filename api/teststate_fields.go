package api

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// TestState checks a mocked Task result against the output shape of the API the Task calls
// (mock.fieldValidationMode), as AWS does (test_state/test_field_validation_mode*):
//
//   - STRICT (the default): the structures' required members must be there, and every member
//     given must be of its shape's type and within its constraints;
//   - PRESENT: only the members given are checked;
//   - NONE: nothing is checked.
//
// Members are named as Step Functions names them in results, their first letter upper case
// (ExecutionArn for the model's executionArn); members the model does not know are let
// through (a mock of {"random":"json"} passes), and so are map keys. The shapes come from the
// service models the aws-sdk integration embeds (integration/awssdk/model).

// mockModels maps the services of Step Functions' optimized integrations to their models'
// names; the others have the same name (dynamodb, sqs, sns, lambda, ecs, ...).
var mockModels = map[string]string{"events": "eventbridge", "states": "sfn", "bedrock": "bedrockruntime"}

// mockedOutputShape finds the model and the output shape of the API a Task resource calls:
// arn:aws:states:::<service>:<action> or arn:aws:states:::aws-sdk:<service>:<action>. Lambda
// function ARNs, activities, HTTP tasks, API Gateway, the .sync and .waitForTaskToken
// patterns (whose result is not the API's output) and unknown APIs have none.
func mockedOutputShape(resource string) (*model.Service, *model.Shape) {
	i := strings.Index(resource, ":states:::")
	if !strings.HasPrefix(resource, "arn:") || i < 0 {
		return nil, nil
	}
	rest := resource[i+len(":states:::"):]
	sdk := strings.HasPrefix(rest, "aws-sdk:")
	rest = strings.TrimPrefix(rest, "aws-sdk:")
	svcName, action, ok := strings.Cut(rest, ":")
	if !ok || strings.Contains(action, ".") || strings.Contains(action, ":") {
		return nil, nil
	}
	if m, ok := mockModels[svcName]; ok && !sdk {
		svcName = m
	}
	svc, err := model.Embedded().Service(svcName)
	if err != nil {
		return nil, nil
	}
	op := svc.Operation(action)
	if op == nil || op.Output == nil {
		return nil, nil
	}
	return svc, svc.Shape(op.Output.Shape)
}

// checkMockedFields checks a mocked result against the output shape of the Task's API.
func checkMockedFields(resource, mode, result string) error {
	if mode == "NONE" {
		return nil
	}
	svc, shape := mockedOutputShape(resource)
	if shape == nil {
		return nil
	}
	v, err := value.DecodeString(result)
	if err != nil || v == nil {
		return nil // not JSON is refused earlier; null has nothing to check
	}
	if !value.IsObject(v) {
		return apiErr("ValidationException", "Mocked result must be a JSON object.")
	}
	c := fieldChecker{svc: svc, strict: mode != "PRESENT"}
	if msg := c.check(v, shape, ""); msg != "" {
		return apiErr("ValidationException", "Mock result schema validation error: %s", msg)
	}
	return nil
}

type fieldChecker struct {
	svc    *model.Service
	strict bool
}

// check returns what is wrong with v as a value of shape (named field), or "".
func (c fieldChecker) check(v any, shape *model.Shape, name string) string {
	if shape == nil || shape.Document {
		return ""
	}
	field := "Field '" + name + "'"
	switch shape.Type {
	case "structure":
		o, ok := value.AsObject(v)
		if !ok {
			return field + " must be an object"
		}
		return c.structure(o, shape)
	case "list":
		list, ok := v.([]any)
		if !ok {
			return field + " must be an array"
		}
		for _, e := range list {
			if msg := c.check(e, c.member(shape.Member), name); msg != "" {
				return msg
			}
		}
		return ""
	case "map":
		o, ok := value.AsObject(v)
		if !ok {
			return field + " must be an object"
		}
		for _, e := range o.All() {
			if msg := c.check(e, c.member(shape.Value), name); msg != "" {
				return msg
			}
		}
		return ""
	case "string", "timestamp", "blob":
		s, ok := v.(string)
		if !ok {
			return field + " must be a string"
		}
		if len(shape.Enum) > 0 && !slices.Contains(shape.Enum, s) {
			return field + " is not an expected value"
		}
		if shape.Type == "timestamp" {
			return ""
		}
		n := float64(utf8.RuneCountInString(s))
		if shape.Min != nil && n < *shape.Min {
			return field + " is smaller than the minimum length"
		}
		if shape.Max != nil && n > *shape.Max {
			return field + " exceeds the maximum length"
		}
	case "integer", "long", "float", "double", "bigdecimal", "biginteger":
		f, ok := value.Float(v)
		if !ok || !value.IsNumber(v) {
			return field + " must be a number"
		}
		if shape.Min != nil && f < *shape.Min {
			return field + " is less than the minimum value"
		}
		if shape.Max != nil && f > *shape.Max {
			return field + " exceeds the maximum value"
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return field + " must be a boolean"
		}
	}
	return ""
}

// structure checks an object's members: the required ones first (STRICT), then the given
// ones in their order.
func (c fieldChecker) structure(o *value.Object, shape *model.Shape) string {
	members := make(map[string]*model.ShapeRef, len(shape.Members))
	for name, ref := range shape.Members {
		members[upperFirst(name)] = ref
	}
	if c.strict {
		for _, name := range shape.Required {
			if !o.Has(upperFirst(name)) {
				return "Required field '" + upperFirst(name) + "' is missing"
			}
		}
	}
	for k, v := range o.All() {
		ref, ok := members[k]
		if !ok {
			continue // not in the model: let through
		}
		if msg := c.check(v, c.member(ref), k); msg != "" {
			return msg
		}
	}
	return ""
}

func (c fieldChecker) member(ref *model.ShapeRef) *model.Shape {
	if ref == nil {
		return nil
	}
	return c.svc.Shape(ref.Shape)
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
