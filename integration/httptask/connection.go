package httptask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Connection is an EventBridge connection as CreateConnection takes it: an authorization
// type and its parameters.
type Connection struct {
	AuthorizationType string         `json:"AuthorizationType"`
	AuthParameters    AuthParameters `json:"AuthParameters"`
	// Name, Description and InvocationConnectivityParameters are accepted, so that a
	// CreateConnection input can be used as it is, and not used.
	Name                             string          `json:"Name,omitempty"`
	Description                      string          `json:"Description,omitempty"`
	InvocationConnectivityParameters json.RawMessage `json:"InvocationConnectivityParameters,omitempty"`
}

// AuthParameters are CreateConnection's AuthParameters: the parameters of the one
// authorization type, and the HTTP parameters added to every request.
type AuthParameters struct {
	ApiKeyAuthParameters     *APIKeyAuth     `json:"ApiKeyAuthParameters,omitempty"`
	BasicAuthParameters      *BasicAuth      `json:"BasicAuthParameters,omitempty"`
	OAuthParameters          *OAuth          `json:"OAuthParameters,omitempty"`
	InvocationHttpParameters *HTTPParameters `json:"InvocationHttpParameters,omitempty"`
}

// APIKeyAuth sends ApiKeyValue in the header named ApiKeyName.
type APIKeyAuth struct {
	ApiKeyName  string `json:"ApiKeyName"`
	ApiKeyValue string `json:"ApiKeyValue"`
}

// BasicAuth sends HTTP basic authorization.
type BasicAuth struct {
	Username string `json:"Username"`
	Password string `json:"Password"`
}

// OAuth obtains an access token with the client-credentials grant from
// AuthorizationEndpoint and sends it as a bearer token.
type OAuth struct {
	AuthorizationEndpoint string          `json:"AuthorizationEndpoint"`
	HttpMethod            string          `json:"HttpMethod"`
	ClientParameters      ClientParams    `json:"ClientParameters"`
	OAuthHttpParameters   *HTTPParameters `json:"OAuthHttpParameters,omitempty"`
}

// ClientParams are the OAuth client's credentials.
type ClientParams struct {
	ClientID     string `json:"ClientID"`
	ClientSecret string `json:"ClientSecret"`
}

// HTTPParameters are extra headers, query string and body parameters.
type HTTPParameters struct {
	HeaderParameters      []Parameter `json:"HeaderParameters,omitempty"`
	QueryStringParameters []Parameter `json:"QueryStringParameters,omitempty"`
	BodyParameters        []Parameter `json:"BodyParameters,omitempty"`
}

// Parameter is one key and value; a header whose IsValueSecret is set is left out of
// TestState's TRACE inspection data unless revealSecrets is asked for.
type Parameter struct {
	Key           string `json:"Key"`
	Value         string `json:"Value"`
	IsValueSecret bool   `json:"IsValueSecret,omitempty"`
}

// Connections are the connections a server knows, by ARN or by name.
type Connections struct {
	byKey  map[string]*Connection
	byName map[string]*Connection
}

// connectionArn is EventBridge's pattern for a connection ARN.
var connectionArn = regexp.MustCompile(`^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:connection/([\.\-_A-Za-z0-9]+)/[\-A-Za-z0-9]+$`)

var connectionName = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)

// NewConnections checks connections keyed by ARN or by name and indexes them. A task's
// ConnectionArn finds the connection of that ARN, else the one named as in the ARN.
func NewConnections(m map[string]Connection) (*Connections, error) {
	cs := &Connections{byKey: map[string]*Connection{}, byName: map[string]*Connection{}}
	for key, c := range m {
		name := key
		if m := connectionArn.FindStringSubmatch(key); m != nil {
			name = m[4]
		} else if !connectionName.MatchString(key) {
			return nil, fmt.Errorf("connection %q: a key is a connection ARN (arn:aws:events:REGION:ACCOUNT:connection/NAME/ID) or a name", key)
		}
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("connection %q: %w", key, err)
		}
		c := c
		cs.byKey[key] = &c
		if _, dup := cs.byName[name]; dup && name != key {
			continue // two ARNs with one name: only exact ARNs find them
		}
		cs.byName[name] = &c
	}
	return cs, nil
}

// check verifies that the parameters of the authorization type are given.
func (c *Connection) check() error {
	p := c.AuthParameters
	switch c.AuthorizationType {
	case "API_KEY":
		if p.ApiKeyAuthParameters == nil || p.ApiKeyAuthParameters.ApiKeyName == "" {
			return fmt.Errorf("API_KEY needs AuthParameters.ApiKeyAuthParameters with an ApiKeyName")
		}
	case "BASIC":
		if p.BasicAuthParameters == nil {
			return fmt.Errorf("BASIC needs AuthParameters.BasicAuthParameters")
		}
	case "OAUTH_CLIENT_CREDENTIALS":
		o := p.OAuthParameters
		if o == nil || o.AuthorizationEndpoint == "" {
			return fmt.Errorf("OAUTH_CLIENT_CREDENTIALS needs AuthParameters.OAuthParameters with an AuthorizationEndpoint")
		}
		switch o.HttpMethod {
		case "", "GET", "POST", "PUT":
		default:
			return fmt.Errorf("OAuthParameters.HttpMethod is GET, POST or PUT")
		}
	default:
		return fmt.Errorf("AuthorizationType is API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS, not %q", c.AuthorizationType)
	}
	return nil
}

// Lookup finds the connection a task names by its ARN.
func (cs *Connections) Lookup(arn string) (*Connection, bool) {
	if cs == nil {
		return nil, false
	}
	if c, ok := cs.byKey[arn]; ok {
		return c, true
	}
	if m := connectionArn.FindStringSubmatch(arn); m != nil {
		c, ok := cs.byName[m[4]]
		return c, ok
	}
	return nil, false
}

// LoadConnections reads a connections file:
//
//	{"Connections": {
//	  "arn:aws:events:us-east-1:123456789012:connection/stripe/0c6c1ba4-...": {
//	    "AuthorizationType": "API_KEY",
//	    "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "Authorization", "ApiKeyValue": "Bearer sk_test_..."}}},
//	  "partner": {"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS", "AuthParameters": {"OAuthParameters": {...}}}}}
//
// Each connection is in the shape of EventBridge's CreateConnection input.
func LoadConnections(path string) (*Connections, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Connections map[string]Connection `json:"Connections"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cs, err := NewConnections(f.Connections)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// nameOf is the connection name in an ARN (or the text itself).
func nameOf(arn string) string {
	if m := connectionArn.FindStringSubmatch(arn); m != nil {
		return m[4]
	}
	return strings.TrimSpace(arn)
}
