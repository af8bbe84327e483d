package httptask_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/integration/httptask"
)

func TestLoadConnections(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		p := filepath.Join(dir, "c.json")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cs, err := httptask.LoadConnections(write(`{"Connections": {
		"arn:aws:events:us-east-1:123456789012:connection/stripe/81210c42-8af1-456b-9c4a-6ff02fc664ac": {
			"Name": "stripe", "AuthorizationType": "API_KEY",
			"AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "Authorization", "ApiKeyValue": "Bearer sk_test"}}},
		"partner": {"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS", "AuthParameters": {"OAuthParameters": {
			"AuthorizationEndpoint": "https://auth.example.com/token", "HttpMethod": "POST",
			"ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
			"OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "read", "IsValueSecret": false}]}}}},
		"basic": {"AuthorizationType": "BASIC", "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for arn, want := range map[string]string{
		"arn:aws:events:us-east-1:123456789012:connection/stripe/81210c42-8af1-456b-9c4a-6ff02fc664ac": "API_KEY",
		"arn:aws:events:us-east-1:123456789012:connection/stripe/other-id":                             "API_KEY",
		"arn:aws:events:eu-west-1:123456789012:connection/partner/1":                                   "OAUTH_CLIENT_CREDENTIALS",
		"arn:aws:events:us-east-1:123456789012:connection/basic/2":                                     "BASIC",
		"arn:aws:events:us-east-1:123456789012:connection/none/2":                                      "",
	} {
		c, ok := cs.Lookup(arn)
		if got := ""; ok {
			got = c.AuthorizationType
			if got != want {
				t.Errorf("%s: %s, want %s", arn, got, want)
			}
		} else if want != "" {
			t.Errorf("%s not found", arn)
		}
	}

	for text, why := range map[string]string{
		`{"Connections": {"x": {"AuthorizationType": "API_KEY", "AuthParameters": {}}}}`:                                       "ApiKeyName",
		`{"Connections": {"x": {"AuthorizationType": "TOKEN", "AuthParameters": {}}}}`:                                         "AuthorizationType",
		`{"Connections": {"x": {"AuthorizationType": "BASIC", "AuthParameters": {"Basic": {}}}}}`:                              "unknown field",
		`{"Connections": {"not a name!": {"AuthorizationType": "BASIC", "AuthParameters": {"BasicAuthParameters": {}}}}}`:      "connection ARN",
		`{"Connections": {"x": {"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS", "AuthParameters": {"OAuthParameters": {}}}}}`: "AuthorizationEndpoint",
	} {
		if _, err := httptask.LoadConnections(write(text)); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%s: %v, want an error about %s", text, err, why)
		}
	}
}
