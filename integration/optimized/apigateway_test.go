package optimized

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/runner"
)

// pyDumps renders a value as Python's json.dumps does (", " and ": " separators): how the
// recorded API's function wrote its answers, so that Content-Length comes out as recorded.
func pyDumps(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = value.Encode(k) + ": " + pyDumps(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyDumps(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return value.Encode(v)
}

// TestRecordedAPIGateway runs the recorded apigateway:invoke tasks against a real HTTP API
// (httptest) that checks the request Step Functions makes (method, /<Stage>/<Path>, query,
// headers, body) and answers as the recorded API answered.
func TestRecordedAPIGateway(t *testing.T) {
	tasks := loadTasks(t, "services/test_apigetway_task_service.snapshot.json")
	if len(tasks) < 12 {
		t.Fatalf("%d recorded tasks", len(tasks))
	}
	for _, rt := range tasks {
		t.Run(rt.test, func(t *testing.T) {
			p := rt.params.(map[string]any)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != p["Method"] {
					t.Errorf("method %s", r.Method)
				}
				if want := "/" + p["Stage"].(string) + "/" + p["Path"].(string); r.URL.Path != want {
					t.Errorf("path %s, want %s", r.URL.Path, want)
				}
				if q, ok := p["QueryParameters"].(map[string]any); ok {
					for k, vs := range q {
						if got := r.URL.Query()[k]; !value.Equal(toAny(got), vs) {
							t.Errorf("query %s = %v, want %v", k, got, vs)
						}
					}
				} else if r.URL.RawQuery != "" {
					t.Errorf("query %q", r.URL.RawQuery)
				}
				if hs, ok := p["Headers"].(map[string]any); ok {
					for k, vs := range hs {
						if got := r.Header.Values(k); !value.Equal(toAny(got), vs) {
							t.Errorf("header %s = %v, want %v", k, got, vs)
						}
					}
				}
				body, _ := io.ReadAll(r.Body)
				switch b := p["RequestBody"].(type) {
				case nil:
					if len(body) != 0 {
						t.Errorf("body %q, want none", body)
					}
				case string:
					if string(body) != b {
						t.Errorf("body %q, want %q", body, b)
					}
				default:
					if got, err := value.DecodeMaps(body); err != nil || !value.Equal(got, b) {
						t.Errorf("body %s, want %s", body, value.Encode(b))
					}
				}
				if rt.failed {
					status, _ := strconv.Atoi(strings.TrimPrefix(rt.errName, "ApiGateway."))
					w.WriteHeader(status)
					io.WriteString(w, rt.cause)
					return
				}
				out := rt.succeeded.(map[string]any)
				for k, v := range out["Headers"].(map[string]any) {
					if k == "Date" || k == "Content-Length" {
						continue // net/http writes them
					}
					if l, ok := v.([]any); ok {
						for _, e := range l {
							w.Header().Add(k, e.(string))
						}
					} else {
						w.Header().Set(k, "value-of-"+k)
					}
				}
				io.WriteString(w, pyDumps(out["ResponseBody"]))
			}))
			defer srv.Close()
			p["ApiEndpoint"] = srv.URL
			rt.params = p
			out, err := New(Options{}).RunTask(context.Background(), taskOf(rt))
			if rt.failed {
				var te *runner.TaskError
				if !errors.As(err, &te) || te.Name != rt.errName {
					t.Fatalf("err = %v, want %s", err, rt.errName)
				}
				compare(t, "cause", mustDecode(t, rt.cause), te.Cause)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			compare(t, "output", rt.succeeded, out)
		})
	}
}

func toAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// TestGatewayParameters covers what apigateway:invoke refuses (recorded: a header given as a
// string) and how the URL and body are built.
func TestGatewayParameters(t *testing.T) {
	for _, tc := range []struct {
		name, params string
		url, body    string
		err          string
	}{
		{"single string header", `{"ApiEndpoint":"a.execute-api.us-east-1.amazonaws.com","Method":"POST","Headers":{"custom_header":"x"}}`,
			"", "", "[The value of the field 'Headers' has an invalid format]"},
		{"no endpoint", `{"Method":"GET"}`, "", "", "[The field 'ApiEndpoint' is required]"},
		{"bad method", `{"ApiEndpoint":"a","Method":"FETCH"}`, "", "", "[The value of the field 'Method' has an invalid format]"},
		{"bad auth", `{"ApiEndpoint":"a","Method":"GET","AuthType":"COGNITO"}`, "", "", "[The value of the field 'AuthType' has an invalid format]"},
		{"host only", `{"ApiEndpoint":"a.execute-api.us-east-1.amazonaws.com","Method":"GET","Stage":"prod","Path":"/pets/1"}`,
			"https://a.execute-api.us-east-1.amazonaws.com/prod/pets/1", "", ""},
		{"no stage", `{"ApiEndpoint":"a","Method":"GET","Path":"x","QueryParameters":{"b":["2","3"],"a":["1"]}}`,
			"https://a/x?a=1&b=2&b=3", "", ""},
		{"nulls dropped", `{"ApiEndpoint":"a","Method":"POST","RequestBody":{"k":null,"l":[{"m":null}]}}`,
			"https://a", `{"l":[{}]}`, ""},
		{"nulls allowed", `{"ApiEndpoint":"a","Method":"POST","AllowNullValues":true,"RequestBody":{"k":null}}`,
			"https://a", `{"k":null}`, ""},
		{"text body", `{"ApiEndpoint":"a","Method":"POST","RequestBody":"plain"}`, "https://a", "plain", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := value.DecodeMaps([]byte(tc.params))
			r, pe := parseGateway(v.(map[string]any))
			if tc.err != "" {
				if pe == nil || "["+pe.Message+"]" != tc.err {
					t.Fatalf("err = %v, want %s", pe, tc.err)
				}
				return
			}
			if pe != nil {
				t.Fatal(pe)
			}
			if r.url != tc.url || string(r.body) != tc.body {
				t.Errorf("url %s body %s", r.url, r.body)
			}
		})
	}
}

// TestGatewayIAM signs IAM_ROLE requests with SigV4 for execute-api in the endpoint's region.
func TestGatewayIAM(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
	})
	h := New(Options{Credentials: creds, Region: "eu-west-3"})
	for _, tc := range []struct{ auth, want string }{
		{"IAM_ROLE", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"},
		{"NO_AUTH", ""},
	} {
		auth = "-"
		task := taskOf(recordedTask{resourceType: "apigateway", name: "invoke",
			params: map[string]any{"ApiEndpoint": srv.URL, "Method": "GET", "AuthType": tc.auth}})
		task.Execution = ""
		out, err := h.RunTask(context.Background(), task)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(auth, tc.want) || (tc.want == "" && auth != "") {
			t.Errorf("%s: Authorization %q", tc.auth, auth)
		}
		if tc.want != "" && !strings.Contains(auth, "/eu-west-3/execute-api/aws4_request") {
			t.Errorf("scope of %q", auth)
		}
		if !strings.Contains(out, `"ResponseBody":{"ok":true}`) || !strings.Contains(out, `"StatusText":"OK"`) {
			t.Errorf("output %s", out)
		}
	}
}

// FuzzParseGateway: any parameters are either refused with States.Runtime or give a
// request whose URL parses.
func FuzzParseGateway(f *testing.F) {
	f.Add(`{"ApiEndpoint":"a.execute-api.us-east-1.amazonaws.com","Method":"POST","Stage":"s","Path":"p","QueryParameters":{"a":["1"]},"Headers":{"h":["v"]},"RequestBody":{"x":null}}`)
	f.Add(`{"ApiEndpoint":"http://127.0.0.1:1","Method":"GET","AuthType":"IAM_ROLE","AllowNullValues":true}`)
	f.Add(`{"ApiEndpoint":"::","Method":"GET"}`)
	f.Fuzz(func(t *testing.T, text string) {
		v, err := value.DecodeMaps([]byte(text))
		if err != nil {
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		r, pe := parseGateway(m)
		if pe != nil {
			return
		}
		if _, err := url.Parse(r.url); err != nil {
			t.Fatalf("url %q: %v", r.url, err)
		}
	})
}
