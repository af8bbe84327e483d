package mock

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Config is a mock configuration file.
type Config struct {
	StateMachines   map[string]StateMachine        `json:"StateMachines"`
	MockedResponses map[string]map[string]Response `json:"MockedResponses"`
}

// StateMachine holds the test cases of a state machine (by its name): each maps Task state
// names to the names of mocked responses.
type StateMachine struct {
	TestCases map[string]map[string]string `json:"TestCases"`
}

// Response is one mocked invocation: a result or an error.
type Response struct {
	Return json.RawMessage `json:"Return,omitempty"`
	Throw  *Throw          `json:"Throw,omitempty"`
}

// Throw is a mocked failure.
type Throw struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// Load reads a mock configuration file (JSON; comments, trailing commas and single-quoted
// strings are accepted too, as in the JSON5 files many keep their mocks in).
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse parses and checks a mock configuration.
func Parse(data []byte) (*Config, error) {
	var c Config
	if err := json.Unmarshal(relaxed(data), &c); err != nil {
		return nil, err
	}
	for sm, m := range c.StateMachines {
		for tc, states := range m.TestCases {
			for state, resp := range states {
				if _, ok := c.MockedResponses[resp]; !ok {
					return nil, fmt.Errorf("state machine %q, test case %q, state %q: no mocked response %q", sm, tc, state, resp)
				}
			}
		}
	}
	for name, rs := range c.MockedResponses {
		for key, r := range rs {
			if _, _, err := parseRange(key); err != nil {
				return nil, fmt.Errorf("mocked response %q: %w", name, err)
			}
			if (r.Return == nil) == (r.Throw == nil) {
				return nil, fmt.Errorf("mocked response %q, invocation %q: want exactly one of Return and Throw", name, key)
			}
		}
	}
	return &c, nil
}

// parseRange parses an invocation key: "3" or "1-2" (inclusive).
func parseRange(key string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(key, "-")
	if lo, err = strconv.Atoi(strings.TrimSpace(a)); err != nil || lo < 0 {
		return 0, 0, fmt.Errorf("invocation %q: want N or N-M", key)
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || hi < lo {
			return 0, 0, fmt.Errorf("invocation %q: want N or N-M", key)
		}
	}
	return lo, hi, nil
}

// response finds the response of a mocked response set for invocation n.
func response(rs map[string]Response, n int) (Response, bool) {
	for key, r := range rs {
		lo, hi, err := parseRange(key)
		if err == nil && lo <= n && n <= hi {
			return r, true
		}
	}
	return Response{}, false
}

// relaxed turns JSON with comments, trailing commas and single-quoted strings into JSON.
func relaxed(in []byte) []byte {
	var out []byte
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch {
		case c == '"' || c == '\'':
			out = append(out, '"')
			for i++; i < len(in) && in[i] != c; i++ {
				switch {
				case in[i] == '\\' && i+1 < len(in):
					if in[i+1] == '\'' {
						out = append(out, '\'')
					} else {
						out = append(out, in[i], in[i+1])
					}
					i++
				case in[i] == '"': // inside a single-quoted string
					out = append(out, '\\', '"')
				default:
					out = append(out, in[i])
				}
			}
			out = append(out, '"')
		case c == '/' && i+1 < len(in) && in[i+1] == '/':
			for i < len(in) && in[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		case c == '/' && i+1 < len(in) && in[i+1] == '*':
			end := strings.Index(string(in[i+2:]), "*/")
			if end < 0 {
				return out
			}
			i += end + 3
			out = append(out, ' ')
		case c == ',':
			// A comma followed (after blanks and comments) by a closing bracket goes.
			j := i + 1
			for j < len(in) {
				if in[j] == ' ' || in[j] == '\t' || in[j] == '\n' || in[j] == '\r' {
					j++
				} else if in[j] == '/' && j+1 < len(in) && in[j+1] == '/' {
					for j < len(in) && in[j] != '\n' {
						j++
					}
				} else {
					break
				}
			}
			if j < len(in) && (in[j] == '}' || in[j] == ']') {
				continue
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}
