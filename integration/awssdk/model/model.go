// Package model holds the AWS service API models that the aws-sdk integration speaks from:
// the JSON service models that ship with botocore (and so with the AWS CLI), Apache-2.0,
// stripped of their documentation and compressed, one file per service, embedded in the
// binary. A service's model is read and parsed the first time a state machine calls it; the
// index of services and their operations is read once, for validation.
//
// The model is botocore's own format, decoded as it is: the protocol codecs read the same
// traits (location, locationName, flattened, timestampFormat, ...) that botocore and the
// other AWS SDKs generate their serialisers from. gen/ rebuilds data/ from a botocore
// checkout.
package model

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

//go:embed data/*.json.gz
var data embed.FS

// Service is one service's API model.
type Service struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
	// Name is the service's name in Step Functions resources (aws-sdk:<Name>:<action>), and
	// ClientName the one its error names start with (DynamoDb.ResourceNotFoundException).
	Name       string `json:"-"`
	ClientName string `json:"-"`
}

// Metadata is a model's metadata block.
type Metadata struct {
	APIVersion          string          `json:"apiVersion"`
	EndpointPrefix      string          `json:"endpointPrefix"`
	GlobalEndpoint      string          `json:"globalEndpoint,omitempty"`
	JSONVersion         string          `json:"jsonVersion,omitempty"`
	Protocol            string          `json:"protocol"`
	Protocols           []string        `json:"protocols,omitempty"`
	ServiceID           string          `json:"serviceId"`
	SignatureVersion    string          `json:"signatureVersion,omitempty"`
	SigningName         string          `json:"signingName,omitempty"`
	TargetPrefix        string          `json:"targetPrefix,omitempty"`
	XMLNamespace        string          `json:"xmlNamespace,omitempty"`
	AWSQueryCompatible  json.RawMessage `json:"awsQueryCompatible,omitempty"`
	ServiceFullName     string          `json:"serviceFullName,omitempty"`
	ServiceAbbreviation string          `json:"serviceAbbreviation,omitempty"`
}

// SigningNameOrPrefix is the name requests are signed for.
func (m *Metadata) SigningNameOrPrefix() string {
	if m.SigningName != "" {
		return m.SigningName
	}
	return m.EndpointPrefix
}

// Operation is one API action.
type Operation struct {
	Name     string     `json:"name"`
	HTTP     HTTP       `json:"http"`
	Input    *ShapeRef  `json:"input,omitempty"`
	Output   *ShapeRef  `json:"output,omitempty"`
	Errors   []ShapeRef `json:"errors,omitempty"`
	Endpoint *struct {
		HostPrefix string `json:"hostPrefix"`
	} `json:"endpoint,omitempty"`
	HTTPChecksumRequired bool `json:"httpChecksumRequired,omitempty"`
	Deprecated           bool `json:"deprecated,omitempty"`
}

// HTTP is an operation's HTTP binding.
type HTTP struct {
	Method       string `json:"method"`
	RequestURI   string `json:"requestUri"`
	ResponseCode int    `json:"responseCode,omitempty"`
}

// ShapeRef refers to a shape, with the traits a member (or an operation's input and output)
// adds to it.
type ShapeRef struct {
	Shape            string `json:"shape"`
	Location         string `json:"location,omitempty"` // uri, querystring, header, headers, statusCode
	LocationName     string `json:"locationName,omitempty"`
	QueryName        string `json:"queryName,omitempty"`
	XMLNamespace     *XMLNS `json:"xmlNamespace,omitempty"`
	XMLAttribute     bool   `json:"xmlAttribute,omitempty"`
	Flattened        bool   `json:"flattened,omitempty"`
	JSONValue        bool   `json:"jsonvalue,omitempty"`
	IdempotencyToken bool   `json:"idempotencyToken,omitempty"`
	HostLabel        bool   `json:"hostLabel,omitempty"`
	Streaming        bool   `json:"streaming,omitempty"`
	TimestampFormat  string `json:"timestampFormat,omitempty"`
	ResultWrapper    string `json:"resultWrapper,omitempty"`
	Deprecated       bool   `json:"deprecated,omitempty"`
	EventPayload     bool   `json:"eventpayload,omitempty"`
}

// XMLNS is an xmlNamespace trait.
type XMLNS struct {
	URI    string `json:"uri"`
	Prefix string `json:"prefix,omitempty"`
}

// Shape is a named type of the model.
type Shape struct {
	Type            string               `json:"type"` // structure list map string integer long float double boolean timestamp blob
	Members         map[string]*ShapeRef `json:"members,omitempty"`
	MemberOrder     []string             `json:"-"` // the members in the model's order
	Required        []string             `json:"required,omitempty"`
	Payload         string               `json:"payload,omitempty"`
	Member          *ShapeRef            `json:"member,omitempty"` // list
	Key             *ShapeRef            `json:"key,omitempty"`    // map
	Value           *ShapeRef            `json:"value,omitempty"`  // map
	Flattened       bool                 `json:"flattened,omitempty"`
	LocationName    string               `json:"locationName,omitempty"`
	XMLNamespace    *XMLNS               `json:"xmlNamespace,omitempty"`
	TimestampFormat string               `json:"timestampFormat,omitempty"`
	Exception       bool                 `json:"exception,omitempty"`
	Fault           bool                 `json:"fault,omitempty"`
	Error           *ErrorTrait          `json:"error,omitempty"`
	Streaming       bool                 `json:"streaming,omitempty"`
	EventStream     bool                 `json:"eventstream,omitempty"`
	Event           bool                 `json:"event,omitempty"`
	Document        bool                 `json:"document,omitempty"`
	Union           bool                 `json:"union,omitempty"`
	Sensitive       bool                 `json:"sensitive,omitempty"`
	RequiresLength  bool                 `json:"requiresLength,omitempty"`
	Enum            []string             `json:"enum,omitempty"`
	// Min and Max are the model's constraints: a string's or a blob's length, a number's
	// range, a list's or a map's size (nil when the model sets none).
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
}

// ErrorTrait is an exception shape's error trait.
type ErrorTrait struct {
	Code           string `json:"code,omitempty"`
	HTTPStatusCode int    `json:"httpStatusCode,omitempty"`
	SenderFault    bool   `json:"senderFault,omitempty"`
}

// IndexEntry describes one service in the index: enough to validate a resource without
// loading its model.
type IndexEntry struct {
	Name       string   `json:"name"`
	ClientName string   `json:"clientName"`
	ServiceID  string   `json:"serviceId"`
	Protocol   string   `json:"protocol"`
	Operations []string `json:"operations"` // API names as the model spells them (PutItem)
}

// Catalog gives access to the embedded models. The zero value is not usable; use Embedded.
type Catalog struct {
	fs       fsys
	idxOnce  sync.Once
	idx      map[string]*IndexEntry
	idxErr   error
	mu       sync.Mutex
	services map[string]*loaded
}

type fsys interface {
	Open(name string) (io.ReadCloser, error)
}

type embedded struct{}

func (embedded) Open(name string) (io.ReadCloser, error) { return data.Open(name) }

type loaded struct {
	once sync.Once
	svc  *Service
	err  error
}

var embeddedCatalog = &Catalog{fs: embedded{}}

// Embedded is the catalog of the models built into the binary.
func Embedded() *Catalog { return embeddedCatalog }

// Index returns the services by their Step Functions name (dynamodb, s3, sfn, ...).
func (c *Catalog) Index() (map[string]*IndexEntry, error) {
	c.idxOnce.Do(func() {
		var entries []*IndexEntry
		if err := c.readJSON("data/index.json.gz", &entries); err != nil {
			c.idxErr = err
			return
		}
		c.idx = make(map[string]*IndexEntry, len(entries))
		for _, e := range entries {
			c.idx[e.Name] = e
		}
	})
	return c.idx, c.idxErr
}

// Lookup returns the index entry of a service, or nil.
func (c *Catalog) Lookup(name string) *IndexEntry {
	idx, err := c.Index()
	if err != nil {
		return nil
	}
	return idx[name]
}

// Service returns a service's parsed model, loading it on first use.
func (c *Catalog) Service(name string) (*Service, error) {
	e := c.Lookup(name)
	if e == nil {
		return nil, fmt.Errorf("no AWS service model named %q", name)
	}
	c.mu.Lock()
	if c.services == nil {
		c.services = map[string]*loaded{}
	}
	l := c.services[name]
	if l == nil {
		l = &loaded{}
		c.services[name] = l
	}
	c.mu.Unlock()
	l.once.Do(func() {
		svc := &Service{}
		if err := c.readJSON("data/"+name+".json.gz", svc); err != nil {
			l.err = err
			return
		}
		svc.Name, svc.ClientName = e.Name, e.ClientName
		for opName, op := range svc.Operations {
			if op.Name == "" {
				op.Name = opName
			}
		}
		l.svc = svc
	})
	return l.svc, l.err
}

func (c *Catalog) readJSON(name string, v any) error {
	f, err := c.fs.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if svc, ok := v.(*Service); ok {
		return memberOrder(b, svc)
	}
	return nil
}

// memberOrder records each structure's members in the model's order: results are rendered in
// that order, as the AWS SDKs' generated types declare their fields.
func memberOrder(b []byte, svc *Service) error {
	var raw struct {
		Shapes map[string]struct {
			Members json.RawMessage `json:"members"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for name, s := range raw.Shapes {
		if len(s.Members) == 0 {
			continue
		}
		keys, err := objectKeys(s.Members)
		if err != nil {
			return err
		}
		if sh := svc.Shapes[name]; sh != nil {
			sh.MemberOrder = keys
		}
	}
	return nil
}

// objectKeys lists a JSON object's keys in order.
func objectKeys(obj []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// Operation finds an operation by its Step Functions action name (putItem) or its model
// name (PutItem).
func (s *Service) Operation(action string) *Operation {
	if op, ok := s.Operations[action]; ok {
		return op
	}
	for name, op := range s.Operations {
		if lowerFirst(name) == action {
			return op
		}
	}
	return nil
}

// Shape returns a named shape, or nil.
func (s *Service) Shape(name string) *Shape { return s.Shapes[name] }

// Protocol is the protocol Stepwise speaks to the service: the first of the model's
// protocols it has a codec for.
func (s *Service) Protocol(supported func(string) bool) string {
	for _, p := range s.Metadata.Protocols {
		if supported(p) {
			return p
		}
	}
	return s.Metadata.Protocol
}
