package template

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Evaluated values are string, json.Number, bool, nil, []any and *object; noValue is
// AWS::NoValue, which removes the key or item that holds it.
//
// The evaluator is written here rather than taken from a library: Go has no CloudFormation
// evaluator that keeps the template's line numbers, and the part Stepwise needs (the
// intrinsics CloudFormation evaluates in the properties it deploys) is small.

// object is a mapping that keeps its keys' order, so that a definition's JSON reads as the
// template wrote it.
type object struct {
	keys []string
	vals map[string]any
}

func (o *object) set(k string, v any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

type noValueType struct{}

var noValue = noValueType{}

// intrinsics are the functions by their long names; short forms (!Sub) map to them.
var intrinsics = map[string]bool{
	"Ref": true, "Fn::GetAtt": true, "Fn::Sub": true, "Fn::Join": true, "Fn::Select": true,
	"Fn::Split": true, "Fn::If": true, "Fn::Equals": true, "Fn::And": true, "Fn::Or": true,
	"Fn::Not": true, "Fn::FindInMap": true, "Fn::GetAZs": true, "Fn::Base64": true,
	"Fn::ImportValue": true, "Fn::Cidr": true, "Fn::Transform": true, "Fn::ToJsonString": true,
	"Fn::Length": true, "Condition": true, "Fn::ForEach": true,
}

// shortName is the long name of a short-form tag (!GetAtt → Fn::GetAtt), or "".
func shortName(tag string) string {
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return ""
	}
	name := tag[1:]
	if name == "Ref" || name == "Condition" {
		return name
	}
	if intrinsics["Fn::"+name] {
		return "Fn::" + name
	}
	return tag // an unknown tag: eval reports it
}

// untagged is a copy of a short-form node without its tag, read as plain YAML.
func untagged(n *yaml.Node) *yaml.Node {
	c := *n
	switch n.Kind {
	case yaml.ScalarNode:
		c.Tag = "!!str"
	case yaml.SequenceNode:
		c.Tag = "!!seq"
	case yaml.MappingNode:
		c.Tag = "!!map"
	}
	c.Style &^= yaml.TaggedStyle
	return &c
}

// maxValues bounds the values one template evaluates to. Evaluation is linear in the
// template's size but for YAML aliases, which may nest (an alias of a list of aliases of ...)
// to an exponential size: the bound stops such a template early, with an error.
const maxValues = 1 << 20

// count charges one value to the template's budget.
func (l *loader) count(n *yaml.Node) error {
	l.values++
	if l.values > maxValues {
		if l.aliasAt != nil {
			n = l.aliasAt
		}
		return l.errorf(n, "the template expands to more than %d values (through YAML aliases?)", maxValues)
	}
	return nil
}

// expandAlias evaluates an alias's target; the outermost alias is where a template that
// expands too far is reported.
func (l *loader) expandAlias(n *yaml.Node, eval func(*yaml.Node) (any, error)) (any, error) {
	if l.aliasAt == nil {
		l.aliasAt = n
		defer func() { l.aliasAt = nil }()
	}
	return eval(n.Alias)
}

// eval evaluates a node of the template.
func (l *loader) eval(n *yaml.Node) (any, error) {
	if err := l.count(n); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.DocumentNode:
		return l.eval(n.Content[0])
	case yaml.AliasNode:
		return l.expandAlias(n, l.eval)
	}
	if name := shortName(n.Tag); name != "" {
		if !intrinsics[name] {
			return nil, l.errorf(n, "unknown tag %s", n.Tag)
		}
		return l.intrinsic(name, untagged(n), n)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalar(n), nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := l.eval(c)
			if err != nil {
				return nil, err
			}
			if v != noValue {
				out = append(out, v)
			}
		}
		return out, nil
	case yaml.MappingNode:
		if len(n.Content) == 2 && intrinsics[n.Content[0].Value] && n.Content[0].Value != "Condition" {
			return l.intrinsic(n.Content[0].Value, n.Content[1], n.Content[0])
		}
		o := &object{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Value == "<<" {
				return nil, l.errorf(k, "YAML merge keys (<<) are not supported in templates")
			}
			v, err := l.eval(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			if v != noValue {
				o.set(k.Value, v)
			}
		}
		return o, nil
	}
	return nil, l.errorf(n, "unexpected YAML node")
}

// scalar is a plain YAML scalar's value. Numbers keep their text (as JSON numbers) so that a
// definition's numbers come out as written.
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		return b
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
		return json.Number(n.Value)
	case "!!float":
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return n.Value
		}
		if json.Valid([]byte(n.Value)) {
			return json.Number(n.Value)
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
	}
	return n.Value
}

// evalString evaluates n and requires a string (numbers and booleans are written out, as
// CloudFormation does where a property is a string).
func (l *loader) evalString(n *yaml.Node, what string) (string, error) {
	v, err := l.eval(n)
	if err != nil {
		return "", err
	}
	s, ok := asString(v)
	if !ok {
		return "", l.errorf(n, "%s must be a string, not %s", what, kind(v))
	}
	return s, nil
}

func asString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return string(v), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "a list"
	case *object:
		return "a mapping"
	case noValueType:
		return "AWS::NoValue"
	}
	return "a " + fmt.Sprintf("%T", v)
}

// args evaluates an intrinsic's argument as a list of n items.
func (l *loader) args(name string, arg *yaml.Node, min, max int) ([]*yaml.Node, error) {
	if arg.Kind != yaml.SequenceNode || len(arg.Content) < min || len(arg.Content) > max {
		if min == max {
			return nil, l.errorf(arg, "%s takes a list of %d items", name, min)
		}
		return nil, l.errorf(arg, "%s takes a list of %d to %d items", name, min, max)
	}
	return arg.Content, nil
}

// intrinsic evaluates one intrinsic function; at is where it is written.
func (l *loader) intrinsic(name string, arg, at *yaml.Node) (any, error) {
	switch name {
	case "Ref":
		ref, err := l.evalString(arg, "Ref's argument")
		if err != nil {
			return nil, err
		}
		return l.ref(ref, at)
	case "Fn::GetAtt":
		var id, attr string
		if arg.Kind == yaml.ScalarNode {
			var ok bool
			if id, attr, ok = strings.Cut(arg.Value, "."); !ok {
				return nil, l.errorf(at, "Fn::GetAtt takes LogicalId.Attribute, not %q", arg.Value)
			}
		} else {
			items, err := l.args(name, arg, 2, 2)
			if err != nil {
				return nil, err
			}
			if id, err = l.evalString(items[0], "Fn::GetAtt's resource"); err != nil {
				return nil, err
			}
			if attr, err = l.evalString(items[1], "Fn::GetAtt's attribute"); err != nil {
				return nil, err
			}
		}
		return l.getAtt(id, attr, at)
	case "Fn::Sub":
		return l.sub(arg, at)
	case "Fn::Join":
		items, err := l.args(name, arg, 2, 2)
		if err != nil {
			return nil, err
		}
		sep, err := l.evalString(items[0], "Fn::Join's delimiter")
		if err != nil {
			return nil, err
		}
		list, err := l.evalList(items[1], "Fn::Join's values")
		if err != nil {
			return nil, err
		}
		parts := make([]string, 0, len(list))
		for _, v := range list {
			s, ok := asString(v)
			if !ok {
				return nil, l.errorf(items[1], "Fn::Join joins strings, not %s", kind(v))
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, sep), nil
	case "Fn::Select":
		items, err := l.args(name, arg, 2, 2)
		if err != nil {
			return nil, err
		}
		is, err := l.evalString(items[0], "Fn::Select's index")
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		list, lerr := l.evalList(items[1], "Fn::Select's values")
		if lerr != nil {
			return nil, lerr
		}
		if err != nil || i < 0 || i >= len(list) {
			return nil, l.errorf(items[0], "Fn::Select index %s is not within the list's %d items", is, len(list))
		}
		return list[i], nil
	case "Fn::Split":
		items, err := l.args(name, arg, 2, 2)
		if err != nil {
			return nil, err
		}
		sep, err := l.evalString(items[0], "Fn::Split's delimiter")
		if err != nil {
			return nil, err
		}
		s, err := l.evalString(items[1], "Fn::Split's source")
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, sep) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::If":
		items, err := l.args(name, arg, 3, 3)
		if err != nil {
			return nil, err
		}
		ok, err := l.condition(items[0].Value, items[0])
		if err != nil {
			return nil, err
		}
		if ok {
			return l.eval(items[1])
		}
		return l.eval(items[2])
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition":
		return l.conditionFunc(name, arg, at)
	case "Fn::FindInMap":
		items, err := l.args(name, arg, 3, 4)
		if err != nil {
			return nil, err
		}
		var keys [3]string
		for i := range keys {
			if keys[i], err = l.evalString(items[i], "Fn::FindInMap's key"); err != nil {
				return nil, err
			}
		}
		v := mapGet(mapGet(mapGet(l.mappings, keys[0]), keys[1]), keys[2])
		if v == nil {
			if len(items) == 4 { // AWS::LanguageExtensions' DefaultValue
				if d := mapGet(items[3], "DefaultValue"); d != nil {
					return l.eval(d)
				}
			}
			return nil, l.errorf(at, "Fn::FindInMap: Mappings has no %s.%s.%s", keys[0], keys[1], keys[2])
		}
		return l.eval(v)
	case "Fn::GetAZs":
		region, err := l.evalString(arg, "Fn::GetAZs's region")
		if err != nil {
			return nil, err
		}
		if region == "" {
			region = l.opts.Region
		}
		return []any{region + "a", region + "b", region + "c"}, nil
	case "Fn::Base64":
		s, err := l.evalString(arg, "Fn::Base64's value")
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::ToJsonString":
		v, err := l.eval(arg)
		if err != nil {
			return nil, err
		}
		b, err := toJSON(v)
		return string(b), err
	case "Fn::Length":
		list, err := l.evalList(arg, "Fn::Length's value")
		if err != nil {
			return nil, err
		}
		return json.Number(strconv.Itoa(len(list))), nil
	case "Fn::ImportValue":
		return nil, l.errorf(at, "Fn::ImportValue cannot be evaluated: it reads another stack's export, and Stepwise deploys one template")
	}
	return nil, l.errorf(at, "%s cannot be evaluated by Stepwise", name)
}

func (l *loader) evalList(n *yaml.Node, what string) ([]any, error) {
	v, err := l.eval(n)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, l.errorf(n, "%s must be a list, not %s", what, kind(v))
	}
	return list, nil
}

// sub evaluates Fn::Sub: "text ${Name} ${Res.Attr} ${!Literal}", with an optional map of
// variables.
func (l *loader) sub(arg, at *yaml.Node) (any, error) {
	textNode, vars := arg, map[string]any{}
	if arg.Kind == yaml.SequenceNode {
		items, err := l.args("Fn::Sub", arg, 2, 2)
		if err != nil {
			return nil, err
		}
		textNode = items[0]
		if items[1].Kind != yaml.MappingNode {
			return nil, l.errorf(items[1], "Fn::Sub's variables must be a mapping")
		}
		for i := 0; i+1 < len(items[1].Content); i += 2 {
			v, err := l.eval(items[1].Content[i+1])
			if err != nil {
				return nil, err
			}
			vars[items[1].Content[i].Value] = v
		}
	}
	if textNode.Kind != yaml.ScalarNode {
		return nil, l.errorf(textNode, "Fn::Sub's template must be a string")
	}
	text := textNode.Value
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		b.WriteString(text[:i])
		text = text[i+2:]
		j := strings.IndexByte(text, '}')
		if j < 0 {
			b.WriteString("${")
			b.WriteString(text)
			return b.String(), nil
		}
		expr := text[:j]
		text = text[j+1:]
		if strings.HasPrefix(expr, "!") { // ${!Literal} is written as ${Literal}
			b.WriteString("${" + expr[1:] + "}")
			continue
		}
		name := strings.TrimSpace(expr)
		var v any
		var err error
		if vv, ok := vars[name]; ok {
			v = vv
		} else if id, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") && !l.samAliasRef(id, attr) {
			v, err = l.getAtt(id, attr, at)
		} else {
			v, err = l.ref(name, at)
		}
		if err != nil {
			return nil, err
		}
		s, ok := asString(v)
		if !ok {
			return nil, l.errorf(at, "Fn::Sub: ${%s} is %s, not a string", name, kind(v))
		}
		b.WriteString(s)
	}
}

// condition is the value of a named condition of the Conditions section.
func (l *loader) condition(name string, at *yaml.Node) (bool, error) {
	if v, ok := l.condVals[name]; ok {
		return v, nil
	}
	n := mapGet(l.conditions, name)
	if n == nil {
		return false, l.errorf(at, "condition %s is not in the Conditions section", name)
	}
	key := "condition " + name
	if l.busy[key] {
		return false, l.errorf(n, "condition %s depends on itself", name)
	}
	l.busy[key] = true
	defer delete(l.busy, key)
	v, err := l.eval(n)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, l.errorf(n, "condition %s must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition", name)
	}
	l.condVals[name] = b
	return b, nil
}

func (l *loader) conditionFunc(name string, arg, at *yaml.Node) (any, error) {
	switch name {
	case "Condition":
		return l.condition(arg.Value, arg)
	case "Fn::Equals":
		items, err := l.args(name, arg, 2, 2)
		if err != nil {
			return nil, err
		}
		a, err := l.eval(items[0])
		if err != nil {
			return nil, err
		}
		b, err := l.eval(items[1])
		if err != nil {
			return nil, err
		}
		ja, _ := toJSON(a)
		jb, _ := toJSON(b)
		sa, oka := asString(a)
		sb, okb := asString(b)
		return (oka && okb && sa == sb) || bytes.Equal(ja, jb), nil
	}
	items, err := l.args(name, arg, 1, 10)
	if err != nil {
		return nil, err
	}
	var vals []bool
	for _, it := range items {
		var v any
		if c := mapGet(it, "Condition"); c != nil && len(it.Content) == 2 {
			v, err = l.condition(c.Value, c)
		} else {
			v, err = l.eval(it)
		}
		if err != nil {
			return nil, err
		}
		b, ok := v.(bool)
		if !ok {
			return nil, l.errorf(it, "%s takes conditions, not %s", name, kind(v))
		}
		vals = append(vals, b)
	}
	switch name {
	case "Fn::Not":
		if len(vals) != 1 {
			return nil, l.errorf(arg, "Fn::Not takes a list of one condition")
		}
		return !vals[0], nil
	case "Fn::And":
		for _, b := range vals {
			if !b {
				return false, nil
			}
		}
		return true, nil
	default: // Fn::Or
		for _, b := range vals {
			if b {
				return true, nil
			}
		}
		return false, nil
	}
}

// toJSON writes an evaluated value as JSON, keys in the template's order.
func toJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case json.Number:
		b.WriteString(string(v))
	case string:
		writeString(b, v)
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, x); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case *object:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			if err := writeJSON(b, v.vals[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("cannot write %s as JSON", kind(v))
	}
	return nil
}

func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1) // Encode's newline
}

// samAliasRef tells ${MyFunction.Alias} and ${MyFunction.Version} of a function published with
// AutoPublishAlias, which SAM resolves as Refs, not attributes.
func (l *loader) samAliasRef(id, attr string) bool {
	r, ok := l.resources[id]
	return ok && (attr == "Alias" || attr == "Version") && r.typ == "AWS::Serverless::Function" && r.prop("AutoPublishAlias") != nil
}
