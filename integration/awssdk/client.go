package awssdk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
	"github.com/stepwise-run/stepwise/integration/awssdk/protocol"
	"github.com/stepwise-run/stepwise/integration/inspect"
	"github.com/stepwise-run/stepwise/tracing"
)

// Options configure a Client.
type Options struct {
	// Region is the region calls go to unless a Call names one; "" takes the default chain's
	// (AWS_REGION, the profile's region), then us-east-1.
	Region string
	// AssumeRole makes each call as the Call's RoleArn, assumed through STS.
	AssumeRole bool
	// HTTPClient sends the requests (nil: one with the timeouts below and connection reuse).
	HTTPClient *http.Client
	// Timeout bounds one call, unless the context ends sooner (0: 60 seconds, Step Functions'
	// own bound on an SDK request).
	Timeout time.Duration
	// Catalog holds the service models (nil: the embedded ones).
	Catalog *model.Catalog
	// InProcess, if set, may answer a call in process instead of its endpoint: for a
	// request to a service (its Step Functions name: lambda) it returns the handler that
	// serves it, or nil to send it (serve answers aws-sdk:lambda:invoke of the functions it
	// was given with its own Invoke API, as lambda:invoke runs them).
	InProcess func(service string, req *http.Request) http.Handler
	// Getenv reads the environment (nil: os.Getenv), for Step Functions Local's variables.
	// The SDK's own settings are read by the SDK's config package from the process's
	// environment and files.
	Getenv func(string) string
}

// Client calls AWS services from their models.
type Client struct {
	cfg aws.Config
	// localCreds is the chain without the EC2 instance metadata service, for configured
	// endpoints.
	localCreds aws.CredentialsProvider
	region     string
	opts       Options
	http       *http.Client
	catalog    *model.Catalog
	getenv     func(string) string
	signer     *v4.Signer
	// codec finds a protocol's codec (protocol.For; tests stand in their own).
	codec func(string) protocol.Codec

	mu    sync.Mutex
	roles map[string]aws.CredentialsProvider // assumed roles, by ARN
	// queryOnly remembers the endpoints of query-compatible services that answered the JSON
	// protocol with something else (goaws speaks only SQS's query protocol).
	queryOnly map[string]bool
}

// New loads the SDK configuration (credentials, region, endpoint settings) and returns a
// client. Credentials are resolved lazily, at the first call that needs them.
func New(opts Options) (*Client, error) {
	ctx := context.Background()
	var loadOpts []func(*config.LoadOptions) error
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("aws-sdk: loading the AWS configuration: %w", err)
	}
	// For the endpoints a user configured (local servers), the chain stops before the EC2
	// instance metadata service: off EC2, asking it costs each call a timeout, and a local
	// server checks only that a request is signed.
	local, err := config.LoadDefaultConfig(ctx, append(loadOpts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))...)
	if err != nil {
		return nil, fmt.Errorf("aws-sdk: loading the AWS configuration: %w", err)
	}
	c := &Client{cfg: cfg, localCreds: local.Credentials, region: cfg.Region, opts: opts, http: opts.HTTPClient, catalog: opts.Catalog,
		getenv: opts.Getenv, signer: v4.NewSigner(), codec: protocol.For, roles: map[string]aws.CredentialsProvider{}, queryOnly: map[string]bool{}}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.http == nil {
		c.http = newHTTPClient()
	}
	if c.catalog == nil {
		c.catalog = model.Embedded()
	}
	if c.getenv == nil {
		c.getenv = os.Getenv
	}
	if c.opts.Timeout == 0 {
		c.opts.Timeout = 60 * time.Second
	}
	return c, nil
}

// newHTTPClient is an HTTP client for many calls to few hosts: connections are kept and
// reused, and each phase of a request is bounded.
func newHTTPClient() *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
	}
	return &http.Client{Transport: tr}
}

// Region is the region calls go to when a Call names none.
func (c *Client) Region() string { return c.region }

// Call is one API call.
type Call struct {
	Service string         // Step Functions service name: dynamodb, s3, sqs
	Action  string         // putItem (as in the resource)
	Params  map[string]any // the task's parameters (asl/value values), PascalCase keys
	Region  string         // "" = the client's region
	RoleArn string         // the execution's role (for assume-role)
	// Endpoint, if set, is the URL the call goes to instead of AWS's endpoint for the
	// service (the optimized SQS integration sends to its QueueUrl's host, as the Java SDK v1
	// does). An endpoint the user configured (AWS_ENDPOINT_URL_SQS, ...) wins over it: local
	// servers hand out queue URLs of hosts that do not resolve (goaws).
	Endpoint string
	// Timeout bounds this call instead of Options.Timeout (a Lambda invocation may run for
	// 15 minutes).
	Timeout time.Duration
}

// Result is a call's answer.
type Result struct {
	Output    any // PascalCase, as an aws-sdk task returns it
	Status    int
	Header    http.Header
	RequestID string
}

// Call makes one API call. A service's error is a *ServiceError, a parameter that does not fit
// the model a *protocol.InvalidParameter, a call that got no answer a *ClientError.
func (c *Client) Call(ctx context.Context, call Call) (*Result, error) {
	svc, err := c.catalog.Service(call.Service)
	if err != nil {
		return nil, err
	}
	op := svc.Operation(call.Action)
	if op == nil {
		return nil, fmt.Errorf("the %s model has no action %s", call.Service, call.Action)
	}
	region := call.Region
	if region == "" {
		region = c.region
	}
	ep, err := resolveEndpoint(ctx, c.cfg, c.getenv, svc, region)
	if err != nil {
		return nil, &ClientError{Client: svc.ClientName, Message: err.Error()}
	}
	if call.Endpoint != "" && !ep.configured {
		u, err := url.Parse(call.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, &ClientError{Client: svc.ClientName, Message: "Invalid endpoint " + call.Endpoint}
		}
		u.Path, u.RawPath, u.RawQuery = "", "", ""
		ep.url = u
	}
	supported := func(p string) bool { return c.codec(p) != nil }
	name := svc.Protocol(supported)
	if len(svc.Metadata.AWSQueryCompatible) > 0 && c.isQueryOnly(ep) {
		if !supported("query") {
			return nil, &ClientError{Client: svc.ClientName, Message: fmt.Sprintf(
				"The endpoint %s speaks only the query protocol of %s, which Stepwise does not speak yet", ep.url, svc.ClientName)}
		}
		name = "query"
	}
	codec := c.codec(name)
	if codec == nil {
		return nil, &ClientError{Client: svc.ClientName, Message: fmt.Sprintf("Stepwise does not speak the %s protocol of %s yet", svc.Metadata.Protocol, svc.ClientName)}
	}
	params := call.Params
	if params == nil {
		params = map[string]any{}
	}
	req, err := codec.Encode(svc, op, params)
	if err != nil {
		return nil, err
	}
	if svc.Name == "s3" && !ep.configured {
		// On AWS the SDKs address a bucket by its host name; at a configured endpoint
		// (MinIO, LocalStack, gofakes3) by its path, as they do with an endpoint URL.
		protocol.S3VirtualHosted(req)
	}
	timeout := c.opts.Timeout
	if call.Timeout > 0 {
		timeout = call.Timeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errCallTimeout)
	defer cancel()
	resp, err := c.send(ctx, svc, ep, req, call.RoleArn)
	if err != nil {
		return nil, err
	}
	if name == "json" && len(svc.Metadata.AWSQueryCompatible) > 0 && speaksOnlyQuery(resp) {
		// An endpoint that predates the service's JSON protocol (goaws for SQS): speak the
		// query protocol to it from now on.
		c.setQueryOnly(ep)
		return c.Call(ctx, call)
	}
	reqID := requestID(resp)
	if resp.Status >= 300 {
		code, msg := codec.Error(svc, resp)
		if svc.Name == "s3" {
			code = protocol.S3ErrorCode(op, code) // HEAD answers carry no body to name the error
		}
		return nil, newServiceError(svc, code, msg, resp.Status, reqID, protocol.ExtendedRequestID(resp))
	}
	out, err := codec.Decode(svc, op, resp)
	if err != nil {
		var ea *protocol.ErrorAnswer
		if errors.As(err, &ea) {
			// A 200 whose body is an error (S3's CopyObject, CompleteMultipartUpload).
			return nil, newServiceError(svc, ea.Code, ea.Message, resp.Status, reqID, protocol.ExtendedRequestID(resp))
		}
		return nil, &ClientError{Client: svc.ClientName, Message: "Unable to unmarshall response (" + err.Error() + ")"}
	}
	return &Result{Output: out, Status: resp.Status, Header: resp.Header, RequestID: reqID}, nil
}

// Check tells, without calling, whether the model of a call's action takes its parameters
// as Call would encode them: a *protocol.InvalidParameter when it does not, else nil (an
// unknown service or action, or a protocol without a codec, is left to Call to report).
func (c *Client) Check(call Call) error {
	svc, err := c.catalog.Service(call.Service)
	if err != nil {
		return nil
	}
	op := svc.Operation(call.Action)
	if op == nil {
		return nil
	}
	codec := c.codec(svc.Protocol(func(p string) bool { return c.codec(p) != nil }))
	if codec == nil {
		return nil
	}
	params := call.Params
	if params == nil {
		params = map[string]any{}
	}
	var ip *protocol.InvalidParameter
	if _, err := codec.Encode(svc, op, params); errors.As(err, &ip) {
		return ip
	}
	return nil
}

var errCallTimeout = errors.New("the call did not complete within its timeout")

// send signs and sends a request, and reads the whole answer.
func (c *Client) send(ctx context.Context, svc *model.Service, ep endpoint, r *protocol.Request, roleArn string) (*protocol.Response, error) {
	u := *ep.url
	if r.HostPrefix != "" && !ep.configured {
		u.Host = r.HostPrefix + u.Host
	}
	raw := u.EscapedPath() + r.Path
	u.Path, u.RawPath = raw, raw
	if p, err := url.PathUnescape(raw); err == nil {
		u.Path = p
	}
	if len(r.Query) > 0 {
		u.RawQuery = strings.ReplaceAll(r.Query.Encode(), "+", "%20")
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(r.Body))
	if err != nil {
		return nil, &ClientError{Client: svc.ClientName, Message: err.Error()}
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	req.ContentLength = int64(len(r.Body))
	if h := tracing.XRayHeader(ctx); h != "" {
		// A traced execution's trace, in the header AWS services continue an X-Ray trace
		// from (SQS keeps it as the message's AWSTraceHeader); SigV4 does not sign it.
		req.Header.Set("X-Amzn-Trace-Id", h)
	}
	if c.opts.InProcess != nil {
		if h := c.opts.InProcess(svc.Name, req); h != nil {
			// Answered here, unsigned: the task's role was checked before the call.
			return serveInProcess(h, req), nil
		}
	}
	sum := sha256.Sum256(r.Body)
	payloadHash := hex.EncodeToString(sum[:])
	if svc.Metadata.SigningNameOrPrefix() == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	}
	creds, err := c.credentials(ctx, roleArn, ep.configured)
	if err != nil {
		return nil, &ClientError{Client: svc.ClientName, Message: "Unable to load credentials from any of the providers in the chain: " + scrub(err.Error())}
	}
	s3 := svc.Metadata.SigningNameOrPrefix() == "s3"
	if err := c.signer.SignHTTP(ctx, creds, req, payloadHash, svc.Metadata.SigningNameOrPrefix(), ep.signingRegion, time.Now(),
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = s3 }); err != nil {
		return nil, &ClientError{Client: svc.ClientName, Message: "Unable to sign the request: " + scrub(err.Error())}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(ctx, svc, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, transportError(ctx, svc, err)
	}
	if len(body) > maxResponse {
		return nil, &ClientError{Client: svc.ClientName, Message: fmt.Sprintf("The response is larger than %d bytes", maxResponse)}
	}
	if inspect.Recording(ctx) {
		// TestState at TRACE shows the exchange; the signature and a session token only
		// with revealSecrets.
		inspect.Record(ctx, inspect.Exchange{Method: req.Method, URL: req.URL.String(), RequestHeader: req.Header,
			RequestBody: r.Body, Status: resp.StatusCode, StatusText: http.StatusText(resp.StatusCode),
			ResponseHeader: resp.Header, ResponseBody: body, Secret: []string{"Authorization", "X-Amz-Security-Token"}})
	}
	return &protocol.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// serveInProcess has h answer req, and reads its answer as a response from the network.
func serveInProcess(h http.Handler, req *http.Request) *protocol.Response {
	w := &recorder{header: http.Header{}}
	h.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &protocol.Response{Status: w.status, Header: w.header, Body: w.body.Bytes()}
}

// recorder is the http.ResponseWriter of an in-process answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// maxResponse bounds what Stepwise reads of an answer: far more than a state's output may hold
// (256 KiB), so that an oversized result fails as States.DataLimitExceeded, not here.
const maxResponse = 16 << 20

// speaksOnlyQuery tells whether an answer to a JSON-protocol request came from a server that
// does not speak it: an XML body, or a refusal that is not JSON (goaws answers a JSON
// request with 400 and the text "Bad Request").
func speaksOnlyQuery(resp *protocol.Response) bool {
	ct := resp.Header.Get("Content-Type")
	if strings.Contains(ct, "json") {
		return false
	}
	b := bytes.TrimSpace(resp.Body)
	if len(b) > 0 && b[0] == '<' || strings.Contains(ct, "xml") {
		return true
	}
	return resp.Status >= 400 && resp.Status < 500 && (len(b) == 0 || b[0] != '{')
}

func (c *Client) isQueryOnly(ep endpoint) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queryOnly[ep.url.String()]
}

func (c *Client) setQueryOnly(ep endpoint) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queryOnly[ep.url.String()] = true
}

// requestID is the request ID an answer carries, under the names the services use.
func requestID(resp *protocol.Response) string {
	for _, k := range []string{"X-Amzn-Requestid", "X-Amz-Request-Id", "X-Amzn-Request-Id"} {
		if v := resp.Header.Get(k); v != "" {
			return v
		}
	}
	// The query and EC2 protocols may give it only in the body: <RequestId> (query's
	// ResponseMetadata and error documents), <requestId> (EC2).
	for _, tag := range []string{"RequestId", "requestId", "RequestID"} {
		open := []byte("<" + tag + ">")
		if i := bytes.Index(resp.Body, open); i >= 0 {
			rest := resp.Body[i+len(open):]
			if j := bytes.IndexByte(rest, '<'); j >= 0 && j <= 128 {
				return string(bytes.TrimSpace(rest[:j]))
			}
		}
	}
	return ""
}

// credentials are the credentials a call is signed with: the default chain's, or the assumed
// role's. A configured (local) endpoint gets placeholder credentials when the chain has none:
// local servers check only that a request is signed, and Step Functions Local does not send
// credentials to its overridden endpoints either.
func (c *Client) credentials(ctx context.Context, roleArn string, configured bool) (aws.Credentials, error) {
	provider := c.cfg.Credentials
	if configured {
		provider = c.localCreds
	}
	if c.opts.AssumeRole && roleArn != "" {
		provider = c.role(roleArn)
	}
	if provider == nil {
		if configured {
			return placeholder, nil
		}
		return aws.Credentials{}, errors.New("no credentials are configured")
	}
	creds, err := provider.Retrieve(ctx)
	if err != nil && configured && !(c.opts.AssumeRole && roleArn != "") {
		return placeholder, nil
	}
	return creds, err
}

var placeholder = aws.Credentials{AccessKeyID: "stepwise", SecretAccessKey: "stepwise", Source: "stepwise placeholder"}

// role is the cached provider of a role's credentials, assumed through STS with the default
// chain's credentials; the cache renews them before they expire.
func (c *Client) role(arn string) aws.CredentialsProvider {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.roles[arn]; p != nil {
		return p
	}
	stsClient := sts.NewFromConfig(c.cfg)
	p := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, arn, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "stepwise"
	}))
	c.roles[arn] = p
	return p
}

// secretLike matches what could be a credential in a message from the credential chain.
var secretLike = regexp.MustCompile(`(?i)(secret|token|password|key)[^\s,;]*\s*[:=]\s*\S+|(AKIA|ASIA)[A-Z0-9]{12,}`)

// scrub removes anything that looks like a credential from a message.
func scrub(msg string) string { return secretLike.ReplaceAllString(msg, "[redacted]") }
