package lambda

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// fileConfig is a functions file:
//
//	{"Functions": {
//	  "orders": {"Command": ["./bin/orders"], "Timeout": 10, "MemorySize": 256,
//	             "Environment": {"TABLE": "orders"}, "MaxConcurrency": 4, "MaximumRetryAttempts": 0},
//	  "legacy": {"Endpoint": "http://127.0.0.1:3001"}}}
//
// Timeout is in seconds, as in Lambda's function configuration; a relative Command path is
// taken from the file's directory.
type fileConfig struct {
	Functions map[string]struct {
		Command        []string          `json:"Command"`
		Endpoint       string            `json:"Endpoint"`
		Handler        string            `json:"Handler"`
		Dir            string            `json:"Dir"`
		Timeout        float64           `json:"Timeout"`
		MemorySize     int               `json:"MemorySize"`
		MaxConcurrency int               `json:"MaxConcurrency"`
		Environment    map[string]string `json:"Environment"`
		// MaximumRetryAttempts is the function's event invoke configuration: how many times
		// a failed Event invocation is run again, 0 to 2 (default 2).
		MaximumRetryAttempts *int `json:"MaximumRetryAttempts"`
		// MaximumEventAgeInSeconds bounds how long a failed Event invocation is retried, 60
		// to 21,600 (default 21,600).
		MaximumEventAgeInSeconds int `json:"MaximumEventAgeInSeconds"`
	} `json:"Functions"`
}

// LoadConfig reads a functions file (see fileConfig) into specs by name.
func LoadConfig(path string) (map[string]Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fc fileConfig
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	base := filepath.Dir(path)
	specs := map[string]Spec{}
	for name, f := range fc.Functions {
		if !ValidName(name) {
			return nil, fmt.Errorf("%s: function %q: a name has 1 to 64 letters, digits, '-' or '_'", path, name)
		}
		if (len(f.Command) == 0) == (f.Endpoint == "") {
			return nil, fmt.Errorf("%s: function %q: give a Command or an Endpoint", path, name)
		}
		if n := f.MaximumRetryAttempts; n != nil && (*n < 0 || *n > 2) {
			return nil, fmt.Errorf("%s: function %q: MaximumRetryAttempts is 0, 1 or 2, not %d", path, name, *n)
		}
		if n := f.MaximumEventAgeInSeconds; n != 0 && (n < 60 || n > 21600) {
			return nil, fmt.Errorf("%s: function %q: MaximumEventAgeInSeconds is 60 to 21600, not %d", path, name, n)
		}
		s := Spec{Endpoint: f.Endpoint, Handler: f.Handler, Dir: f.Dir, MemoryMB: f.MemorySize, MaxConcurrency: f.MaxConcurrency,
			Timeout: time.Duration(f.Timeout * float64(time.Second)), MaximumRetryAttempts: f.MaximumRetryAttempts,
			MaximumEventAgeInSeconds: f.MaximumEventAgeInSeconds}
		if len(f.Command) > 0 {
			s.Command = append([]string(nil), f.Command...)
			if c := s.Command[0]; !filepath.IsAbs(c) && filepath.Base(c) != c {
				s.Command[0] = filepath.Join(base, c)
			}
		}
		if s.Dir != "" && !filepath.IsAbs(s.Dir) {
			s.Dir = filepath.Join(base, s.Dir)
		}
		for k, v := range f.Environment {
			s.Env = append(s.Env, k+"="+v)
		}
		specs[name] = s
	}
	return specs, nil
}
