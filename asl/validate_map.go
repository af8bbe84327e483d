package asl

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// mapState checks the fields of a Map state.
func (s *stateCtx) mapState() {
	v := s.v
	distributed := false
	expressChild := false
	if v.exclusive(s.o, s.loc, true, "ItemProcessor", "Iterator") == 1 {
		key := "ItemProcessor"
		if _, ok := s.o[key]; !ok {
			key = "Iterator"
		}
		if proc, ok := v.obj(s.o, key, s.loc); ok {
			at := field(s.loc, key)
			distributed, expressChild = v.processorConfig(proc, at)
			v.subGraphExpress(proc, at, expressChild)
			if distributed {
				for _, sc := range v.scopes {
					if sc.loc == at {
						sc.isolated = true
					}
				}
			}
		}
	}
	if distributed && v.express {
		v.fail(s.loc, "Express state machine does not support Distributed Map")
	}

	if s.has("ItemsPath") {
		v.pathField(s.o, "ItemsPath", s.loc, pathReference)
	}
	if s.has("Items") {
		switch items := s.o["Items"].(type) {
		case []any, string:
			v.jsonataValue(items, field(s.loc, "Items"), s.jctx(false))
		default:
			v.fail(field(s.loc, "Items"), msgExpectedType, "ARRAY")
		}
	}
	if _, ok := s.o["ItemSelector"]; ok {
		if s.jsonata {
			v.jsonataValue(s.o["ItemSelector"], field(s.loc, "ItemSelector"), s.jctx(false))
		} else {
			v.template(s.o["ItemSelector"], field(s.loc, "ItemSelector"))
			if _, legacy := s.o["Parameters"]; legacy {
				v.fail(field(s.loc, "ItemSelector"), msgOnlyOne, "ItemSelector, Parameters")
			}
		}
	}

	v.pair(s.o, s.loc, "MaxConcurrency")
	v.intField(s.o, "MaxConcurrency", s.loc, atLeast(0), s.jctx(false))
	v.pair(s.o, s.loc, "ToleratedFailurePercentage")
	v.numberField(s.o, "ToleratedFailurePercentage", s.loc, "0", "100", s.jctx(false))
	v.pair(s.o, s.loc, "ToleratedFailureCount")
	v.intField(s.o, "ToleratedFailureCount", s.loc, atLeast(0), s.jctx(false))
	for _, p := range []string{"MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath"} {
		if s.has(p) {
			v.pathField(s.o, p, s.loc, pathReference)
		}
	}
	if label, ok := v.str(s.o, "Label", s.loc); ok {
		v.label(label, field(s.loc, "Label"))
	}
	if r, ok := v.obj(s.o, "ItemReader", s.loc); ok {
		s.itemReader(r, field(s.loc, "ItemReader"))
	}
	if b, ok := v.obj(s.o, "ItemBatcher", s.loc); ok {
		s.itemBatcher(b, field(s.loc, "ItemBatcher"))
	}
	if w, ok := v.obj(s.o, "ResultWriter", s.loc); ok {
		s.resultWriter(w, field(s.loc, "ResultWriter"))
	}
}

// processorConfig checks an item processor's ProcessorConfig and says whether the Map is
// distributed and runs its children as Express executions.
func (v *validator) processorConfig(proc map[string]any, loc string) (distributed, express bool) {
	cfg, ok := v.obj(proc, "ProcessorConfig", loc)
	if !ok {
		return false, false
	}
	at := field(loc, "ProcessorConfig")
	for _, k := range keysInHashOrder(cfg) {
		if k != "Mode" && k != "ExecutionType" {
			v.fail(at, msgNotSupported, k)
		}
	}
	mode := "INLINE"
	if _, ok := cfg["Mode"]; ok {
		mode, _ = v.enum(cfg, "Mode", at, "INLINE", "DISTRIBUTED")
	}
	_, hasType := cfg["ExecutionType"]
	switch {
	case mode == "DISTRIBUTED" && !hasType:
		v.fail(at, msgRequired, "ExecutionType")
	case mode != "DISTRIBUTED" && hasType:
		v.fail(at, msgNotSupported, "ExecutionType")
	case hasType:
		t, _ := v.enum(cfg, "ExecutionType", at, "STANDARD", "EXPRESS")
		express = t == "EXPRESS"
	}
	return mode == "DISTRIBUTED", express
}

// subGraphExpress checks an item processor, as an Express machine when its children run as
// Express executions.
func (v *validator) subGraphExpress(proc map[string]any, loc string, express bool) {
	saved := v.express
	v.express = v.express || express
	v.subGraph(proc, loc, true)
	v.express = saved
}

// label checks a Distributed Map's Label: at most 40 characters, none of them white space,
// brackets, wildcards, special or control characters; unique in the machine.
func (v *validator) label(label, at string) {
	v.labelLocs[label] = append(v.labelLocs[label], at)
	switch {
	case label == "":
		v.errorf(CodeInvalidLabelName, at, "Label cannot be empty")
		return
	case utf8.RuneCountInString(label) > maxLabelLength:
		v.errorf(CodeInvalidLabelName, at, "Label cannot exceed %d characters", maxLabelLength)
		return
	}
	for _, r := range label {
		if unicode.IsSpace(r) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) ||
			r <= 0x1f || (r >= 0x7f && r <= 0x9f) {
			// AWS names the character as Python's repr() shows it: ' ', '\x00', '\t'.
			v.errorf(CodeInvalidLabelName, at, "Label contains invalid character: %s", pyRepr(string(r)))
			return
		}
	}
	if len(v.labelLocs[label]) > 1 {
		v.errorf(CodeDuplicateLabelName, at, "Duplicate Label name: %s", label)
	}
}

var readerConfigFields = setOf("InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "MaxItemsPath",
	"ManifestType", "Transformation")

// itemReader checks a Distributed Map's ItemReader.
func (s *stateCtx) itemReader(r map[string]any, loc string) {
	v := s.v
	s.resourceObject(r, loc, "ReaderConfig")
	if res, ok := v.str(r, "Resource", loc); ok && !s3Resource(res, "getObject", "listObjectsV2") {
		v.fail(field(loc, "Resource"), "The field 'Resource' does not match any of the allowed values")
	}
	cfg, ok := v.obj(r, "ReaderConfig", loc)
	if !ok {
		return
	}
	at := field(loc, "ReaderConfig")
	for _, k := range keysInHashOrder(cfg) {
		if !readerConfigFields[k] {
			v.fail(at, msgNotSupported, k)
		} else if msg, bad := modeConflict(k, s.jsonata); bad {
			v.fail(at, msg, k)
		}
	}
	inputType := ""
	if _, ok := cfg["InputType"]; ok {
		inputType, _ = v.enum(cfg, "InputType", at, "CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")
	}
	if _, ok := cfg["CSVHeaderLocation"]; ok {
		if inputType != "" && inputType != "CSV" {
			v.fail(at, msgNotSupported, "CSVHeaderLocation")
		} else if hl, ok := v.enum(cfg, "CSVHeaderLocation", at, "FIRST_ROW", "GIVEN"); ok && hl == "GIVEN" {
			v.required(cfg, at, "CSVHeaders")
		}
	} else if inputType == "CSV" {
		v.fail(at, "The field 'CSVHeaderLocation' is required")
	}
	if headers, ok := v.arr(cfg, "CSVHeaders", at); ok {
		for i, h := range headers {
			if _, ok := h.(string); !ok {
				v.fail(index(field(at, "CSVHeaders"), i), msgExpectedType, "STRING")
			}
		}
	}
	if _, ok := cfg["CSVDelimiter"]; ok {
		v.enum(cfg, "CSVDelimiter", at, "COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB")
	}
	v.pair(cfg, at, "MaxItems")
	v.intField(cfg, "MaxItems", at, intRange{}, s.jctx(false))
	if !s.jsonata {
		v.pathField(cfg, "MaxItemsPath", at, pathReference)
	}
}

// itemBatcher checks a Distributed Map's ItemBatcher.
func (s *stateCtx) itemBatcher(b map[string]any, loc string) {
	v := s.v
	for _, k := range keysInHashOrder(b) {
		switch k {
		case "MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput":
			if msg, bad := modeConflict(k, s.jsonata); bad {
				v.fail(loc, msg, k)
			}
		default:
			v.fail(loc, msgNotSupported, k)
		}
	}
	v.pair(b, loc, "MaxItemsPerBatch")
	v.pair(b, loc, "MaxInputBytesPerBatch")
	v.intField(b, "MaxItemsPerBatch", loc, atLeast(1), s.jctx(false))
	v.intField(b, "MaxInputBytesPerBatch", loc, between(1, 262144), s.jctx(false))
	if !s.jsonata {
		v.pathField(b, "MaxItemsPerBatchPath", loc, pathReference)
		v.pathField(b, "MaxInputBytesPerBatchPath", loc, pathReference)
	}
	if in, ok := b["BatchInput"]; ok {
		if s.jsonata {
			v.jsonataValue(in, field(loc, "BatchInput"), s.jctx(false))
		} else {
			v.template(in, field(loc, "BatchInput"))
		}
	}
}

// resultWriter checks a Distributed Map's ResultWriter.
func (s *stateCtx) resultWriter(w map[string]any, loc string) {
	v := s.v
	s.resourceObject(w, loc, "WriterConfig")
	_, hasResource := w["Resource"]
	_, hasConfig := w["WriterConfig"]
	if !hasResource && !hasConfig {
		v.fail(loc, "This object should have at least one of the following fields: [Resource, WriterConfig]")
	}
	if hasResource {
		args := "Parameters"
		if s.jsonata {
			args = "Arguments"
		}
		v.required(w, loc, args)
		if res, ok := v.str(w, "Resource", loc); ok && !s3Resource(res, "putObject") {
			v.fail(field(loc, "Resource"), "The field 'Resource' does not match any of the allowed values")
		}
	}
	if p, ok := w["Parameters"].(map[string]any); ok && !s.jsonata {
		for _, k := range []string{"Bucket", "Prefix"} {
			v.str(p, k, field(loc, "Parameters"))
		}
	}
	cfg, ok := v.obj(w, "WriterConfig", loc)
	if !ok {
		return
	}
	at := field(loc, "WriterConfig")
	for _, k := range keysInHashOrder(cfg) {
		if k != "Transformation" && k != "OutputType" {
			v.fail(at, msgNotSupported, k)
		}
	}
	if !v.required(cfg, at, "Transformation", "OutputType") {
		return
	}
	t, _ := cfg["Transformation"].(string)
	o, _ := cfg["OutputType"].(string)
	switch {
	case t != "NONE" && t != "COMPACT" && t != "FLATTEN":
		v.fail(at, "The field 'Transformation' should have one of these values: [NONE, COMPACT, FLATTEN]")
	case o != "JSON" && o != "JSONL":
		v.fail(at, "The field 'OutputType' should have one of these values: [JSON, JSONL]")
	}
}

// resourceObject checks the fields an ItemReader or ResultWriter shares: Resource, and
// Parameters (JSONPath) or Arguments (JSONata), reported at the field of the other language.
func (s *stateCtx) resourceObject(o map[string]any, loc, config string) {
	v := s.v
	for _, k := range keysInHashOrder(o) {
		switch k {
		case "Resource", config:
		case "Parameters", "Arguments":
			if msg, bad := modeConflict(k, s.jsonata); bad {
				v.fail(field(loc, k), msg, k)
			}
		default:
			v.fail(loc, msgNotSupported, k)
		}
	}
	if s.jsonata {
		if a, ok := o["Arguments"]; ok {
			v.jsonataValue(a, field(loc, "Arguments"), s.jctx(false))
		}
	} else if p, ok := o["Parameters"]; ok {
		v.template(p, field(loc, "Parameters"))
	}
}

// s3Resource reports whether res is arn:<partition>:states:::s3:<api> for one of apis.
func s3Resource(res string, apis ...string) bool {
	a, ok := parseARN(res)
	if !ok || a.service != "states" || a.region != "" || a.account != "" {
		return false
	}
	for _, api := range apis {
		if a.resource == "s3:"+api {
			return true
		}
	}
	return false
}
