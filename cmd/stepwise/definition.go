package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/stepwise-run/stepwise/template"
)

// readDefinition reads a definition file for run and validate: JSON as it is, YAML
// (.asl.yaml, .yaml, .yml) converted to JSON, as SAM's DefinitionUri takes either. A YAML
// error names the file and the line.
func readDefinition(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return template.DefinitionJSON(path, data)
	}
	return data, nil
}
