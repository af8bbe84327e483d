package template

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl"
)

// TestPublishedSamples loads published SAM and CloudFormation templates, as docs/templates.md
// tells, from the folder STEPWISE_TEMPLATE_SAMPLES names (their licences are not ours to
// copy into the repository, so they are not kept here). A template is taken when it loads
// and each of its state machines' definitions validates; the test reports the share and why
// the rest fail, and fails below the share docs/templates.md records.
func TestPublishedSamples(t *testing.T) {
	dir := os.Getenv("STEPWISE_TEMPLATE_SAMPLES")
	if dir == "" {
		t.Skip("STEPWISE_TEMPLATE_SAMPLES is not set (see docs/templates.md)")
	}
	var paths []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "template") {
			paths = append(paths, p)
		}
		return nil
	})
	sort.Strings(paths)
	taken, outOfReach, loaded := 0, 0, 0
	var report []string
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		tpl, params, err := loadGivingParameters(p)
		var why string
		switch {
		case err != nil:
			why = err.Error()
			var terr *Error
			if errors.As(err, &terr) && unreachable(terr.Msg) {
				outOfReach++
				why = "out of reach: " + why
			}
		case len(tpl.StateMachines) == 0:
			why = "no state machine"
		default:
			loaded++
			for _, sm := range tpl.StateMachines {
				for _, d := range asl.Validate(sm.Definition, asl.ValidateOptions{Type: sm.Type}) {
					if d.Severity == "ERROR" {
						why = fmt.Sprintf("%s: definition: %s %s at %s", sm.LogicalID, d.Code, d.Message, d.Location)
						break
					}
				}
			}
		}
		if why == "" {
			taken++
			if len(params) > 0 {
				rel += fmt.Sprintf(" (with --parameter-overrides for %s, as sam deploy asks for them)", strings.Join(params, ", "))
			}
			report = append(report, "ok    "+rel)
		} else {
			report = append(report, "FAIL  "+rel+": "+strings.ReplaceAll(why, p, filepath.Base(p)))
		}
	}
	runnable := len(paths) - outOfReach
	pct := func(n, of int) float64 { return 100 * float64(n) / float64(max(1, of)) }
	t.Logf("%d templates: %d evaluated (%.0f %%; %.0f %% of the %d whose resources Stepwise can run); "+
		"%d taken unchanged, definitions valid too (%.0f %%; %.0f %% of %d)\n%s",
		len(paths), loaded, pct(loaded, len(paths)), pct(loaded, runnable), runnable,
		taken, pct(taken, len(paths)), pct(taken, runnable), runnable, strings.Join(report, "\n"))
	// The template reader's own share: a definition that validation refuses is the ASL
	// validator's finding (and AWS's, for those docs/templates.md lists), not the reader's.
	if runnable > 0 && float64(loaded) < 0.9*float64(runnable) {
		t.Errorf("templates evaluated: below 90 %% of those whose resources Stepwise can run")
	}
}

// unreachable tells the errors of templates whose state machines Stepwise cannot deploy
// whatever it does: a definition kept in S3, a value from another stack or from SSM.
func unreachable(msg string) bool {
	for _, s := range []string{"from S3", "Fn::ImportValue", "SSM Parameter Store"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// loadGivingParameters loads a template, giving a value to each parameter that has none, as
// sam deploy --guided asks for them; it returns the names it gave.
func loadGivingParameters(path string) (*Template, []string, error) {
	opts := Options{Parameters: map[string]string{}}
	var given []string
	for {
		tpl, err := Load(path, opts)
		var terr *Error
		if err == nil || !errors.As(err, &terr) || !strings.HasPrefix(terr.Msg, "parameter ") || !strings.Contains(terr.Msg, " has no value") {
			return tpl, given, err
		}
		name := strings.Fields(terr.Msg)[1]
		if _, done := opts.Parameters[name]; done {
			return tpl, given, err
		}
		opts.Parameters[name] = "sample-" + strings.ToLower(name)
		given = append(given, name)
	}
}
