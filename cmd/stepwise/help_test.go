package main

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// stepwise --help lists every flag of every command (issue #16: it left out bench and most of
// serve's). Each command's own --help is Go's flag listing, which has every flag it defines.
func TestHelpListsEveryFlag(t *testing.T) {
	var top bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, nil, &top, &bytes.Buffer{}); code != 0 {
		t.Fatalf("stepwise --help exited %d", code)
	}
	flagLine := regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)
	for _, name := range commands {
		var own bytes.Buffer
		run(context.Background(), []string{name, "--help"}, nil, &bytes.Buffer{}, &own)
		flags := flagLine.FindAllStringSubmatch(own.String(), -1)
		if len(flags) == 0 {
			t.Errorf("stepwise %s --help lists no flags:\n%s", name, own.String())
		}
		section := top.String()
		i := strings.Index(section, "\nstepwise "+name+":\n")
		if i < 0 {
			t.Errorf("stepwise --help has no section for %s", name)
			continue
		}
		section = section[i:]
		if j := strings.Index(section[1:], "\nstepwise "); j >= 0 {
			section = section[:j+1]
		}
		for _, f := range flags {
			if !regexp.MustCompile(`(?m)^  -` + regexp.QuoteMeta(f[1]) + `(\s|$)`).MatchString(section) {
				t.Errorf("stepwise --help does not list %s's flag --%s", name, f[1])
			}
		}
	}
	// Every command the usage names has its flags listed.
	for _, m := range regexp.MustCompile(`(?m)^  stepwise ([a-z]+)`).FindAllStringSubmatch(usage, -1) {
		if m[1] != "version" && !slices.Contains(commands, m[1]) {
			t.Errorf("stepwise %s is in the usage but its flags are not listed (commands in main.go)", m[1])
		}
	}
	if !strings.Contains(top.String(), "stepwise bench") {
		t.Error("stepwise --help does not name the bench command")
	}
}
