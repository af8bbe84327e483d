package testsuite

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Counts sums up a report.
type Counts struct {
	Tests, Failed, FileErrors, Files int
}

// Counts returns the report's totals: tests run, tests that failed (or could not run to
// their end), and files in error.
func (r *Report) Counts() Counts {
	var c Counts
	c.Files = len(r.Files)
	for _, f := range r.Files {
		if f.Err != nil {
			c.FileErrors++
		}
		for _, t := range f.Tests {
			c.Tests++
			if !t.Passed() {
				c.Failed++
			}
		}
	}
	return c
}

// OK tells whether every test passed and every file loaded.
func (r *Report) OK() bool {
	c := r.Counts()
	return c.Failed == 0 && c.FileErrors == 0
}

// WriteText writes the report for a terminal: each failure with its file and line, the
// first difference and the state it arose in; a line per file; a summary. verbose lists
// the tests that passed too.
func (r *Report) WriteText(w io.Writer, verbose bool) error {
	var b strings.Builder
	for _, f := range r.Files {
		if f.Err != nil {
			fmt.Fprintf(&b, "ERROR %s\n", f.Err)
			continue
		}
		failed := 0
		for _, t := range f.Tests {
			updated := ""
			if t.Updated {
				updated = " (updated)"
			}
			if t.Passed() {
				if verbose {
					fmt.Fprintf(&b, "--- PASS: %s (%s:%d, %s)%s\n", t.Name, f.Path, t.Line, seconds(t.Elapsed), updated)
				}
				continue
			}
			failed++
			fmt.Fprintf(&b, "--- FAIL: %s (%s:%d, %s)%s\n", t.Name, f.Path, t.Line, seconds(t.Elapsed), updated)
			for _, line := range t.lines(f.Path) {
				fmt.Fprintf(&b, "    %s\n", line)
			}
		}
		if len(f.Tests) == 0 {
			continue
		}
		note := ""
		if f.Updated {
			note = " (updated)"
		}
		if failed == 0 {
			fmt.Fprintf(&b, "ok    %s  %s  %s%s\n", f.Path, plural(len(f.Tests), "test"), seconds(f.Elapsed), note)
		} else {
			fmt.Fprintf(&b, "FAIL  %s  %d of %s failed  %s%s\n", f.Path, failed, plural(len(f.Tests), "test"), seconds(f.Elapsed), note)
		}
	}
	c := r.Counts()
	switch {
	case c.Files == 0:
		b.WriteString("no test files (*.test.yaml, *.test.yml, *.test.json)\n")
	case r.OK():
		fmt.Fprintf(&b, "PASS: %s in %s (%s)\n", plural(c.Tests, "test"), plural(c.Files, "file"), seconds(r.Elapsed))
	default:
		var parts []string
		if c.Failed > 0 {
			parts = append(parts, fmt.Sprintf("%d of %s failed", c.Failed, plural(c.Tests, "test")))
		}
		if c.FileErrors > 0 {
			parts = append(parts, fmt.Sprintf("%s of %d in error", plural(c.FileErrors, "file"), c.Files))
		}
		fmt.Fprintf(&b, "FAIL: %s (%s)\n", strings.Join(parts, ", "), seconds(r.Elapsed))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// lines are what the report says of a test that did not pass, one line per problem.
func (r *Result) lines(path string) []string {
	if r.Problem != "" {
		return []string{fmt.Sprintf("%s:%d: %s", path, r.Line, r.Problem)}
	}
	var out []string
	for _, f := range r.Failures {
		out = append(out, fmt.Sprintf("%s:%d: %s", path, f.Line, f.Text()))
	}
	return out
}

// Text is the failure as one line: what was expected, the first difference and the state
// it arose in.
func (f Failure) Text() string {
	s := f.What + ": " + f.Message
	if f.State != "" && f.What != "states" {
		s += fmt.Sprintf(" [in state %q", f.State)
		for _, v := range f.Via {
			s += fmt.Sprintf(", via %q", v)
		}
		s += "]"
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

// The JUnit XML format, as CI systems read it (Jenkins, GitLab, GitHub actions that
// publish test results): one testsuite per test file, one testcase per test; a failed
// expectation is a <failure>, a test that could not run to its end or a file that could
// not be loaded an <error>.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	File     string      `xml:"file,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	File      string        `xml:"file,attr"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	c := r.Counts()
	out := junitSuites{Name: "stepwise test", Tests: c.Tests + c.FileErrors, Failures: 0, Errors: c.FileErrors, Time: secs(r.Elapsed)}
	for _, f := range r.Files {
		s := junitSuite{Name: f.Path, File: f.Path, Time: secs(f.Elapsed)}
		if f.Err != nil {
			line := 0
			if e, ok := f.Err.(*Error); ok {
				line = e.Line
			}
			s.Tests, s.Errors = 1, 1
			s.Cases = append(s.Cases, junitCase{Name: "load " + f.Path, Classname: f.Path, Time: secs(0), File: f.Path, Line: line,
				Error: &junitProblem{Message: f.Err.Error(), Type: "BadTestFile", Text: f.Err.Error()}})
			out.Suites = append(out.Suites, s)
			continue
		}
		for _, t := range f.Tests {
			tc := junitCase{Name: t.Name, Classname: f.Path, Time: secs(t.Elapsed), File: f.Path, Line: t.Line}
			s.Tests++
			switch {
			case t.Problem != "":
				s.Errors++
				out.Errors++
				tc.Error = &junitProblem{Message: t.Problem, Type: "TestError", Text: strings.Join(t.lines(f.Path), "\n")}
			case len(t.Failures) > 0:
				s.Failures++
				out.Failures++
				tc.Failure = &junitProblem{Message: t.Failures[0].Text(), Type: t.Failures[0].What, Text: strings.Join(t.lines(f.Path), "\n")}
			}
			s.Cases = append(s.Cases, tc)
		}
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
