package conformance

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// API runs cases through the Step Functions API of a running server (stepwise serve, or
// anything that speaks AWS JSON 1.0): CreateStateMachine, StartExecution, DescribeExecution
// until the execution ends, GetExecutionHistory, DeleteStateMachine. It calls the API over
// plain HTTP rather than through the SDK's client so that the events reach the comparison as
// the server wrote them (the SDK's types would lose their keys' order).
type API struct {
	URL    string
	Role   string           // the state machines' role ARN
	Creds  *aws.Credentials // signs the calls with SigV4 when set
	Region string           // for the signature; us-east-1 when empty

	client http.Client
	n      atomic.Int64
}

// Run is a Runner.
func (a *API) Run(ctx context.Context, c *Case) (Outcome, error) {
	sum := sha1.Sum([]byte(c.ID))
	name := fmt.Sprintf("conf_%s_%d_%d", hex.EncodeToString(sum[:])[:12], time.Now().UnixMilli()%100000000, a.n.Add(1))
	callCtx := context.WithoutCancel(ctx) // the case's deadline ends the wait, not the calls
	var sm struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := a.call(callCtx, "CreateStateMachine", map[string]string{"name": name, "definition": c.definition, "roleArn": a.Role}, &sm); err != nil {
		return nil, err
	}
	defer a.call(callCtx, "DeleteStateMachine", map[string]string{"stateMachineArn": sm.StateMachineArn}, nil)
	var ex struct {
		ExecutionArn string `json:"executionArn"`
	}
	if err := a.call(callCtx, "StartExecution", map[string]string{"stateMachineArn": sm.StateMachineArn, "input": c.ExecutionInput(time.Now())}, &ex); err != nil {
		return nil, err
	}
	var d struct {
		Status string          `json:"status"`
		Output json.RawMessage `json:"output"`
		Error  json.RawMessage `json:"error"`
		Cause  json.RawMessage `json:"cause"`
	}
	for {
		if err := a.call(callCtx, "DescribeExecution", map[string]string{"executionArn": ex.ExecutionArn}, &d); err != nil {
			return nil, err
		}
		if d.Status != "RUNNING" || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var events []json.RawMessage
	token := ""
	for {
		body := map[string]any{"executionArn": ex.ExecutionArn, "maxResults": 1000}
		if token != "" {
			body["nextToken"] = token
		}
		var page struct {
			Events    []json.RawMessage `json:"events"`
			NextToken string            `json:"nextToken"`
		}
		if err := a.call(callCtx, "GetExecutionHistory", body, &page); err != nil {
			return nil, err
		}
		events = append(events, page.Events...)
		if token = page.NextToken; token == "" {
			break
		}
	}
	orNull := func(m json.RawMessage) json.RawMessage {
		if len(m) == 0 {
			return json.RawMessage("null")
		}
		return m
	}
	if events == nil {
		events = []json.RawMessage{}
	}
	return json.Marshal(map[string]any{
		"executionArn": ex.ExecutionArn, "stateMachineArn": sm.StateMachineArn, "status": d.Status,
		"output": orNull(d.Output), "error": orNull(d.Error), "cause": orNull(d.Cause),
		"history": map[string]any{"events": events},
	})
}

func (a *API) call(ctx context.Context, action string, body, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(a.URL, "/")+"/", bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	if a.Creds != nil {
		region := a.Region
		if region == "" {
			region = "us-east-1"
		}
		sum := sha256.Sum256(data)
		if err := v4.NewSigner().SignHTTP(ctx, *a.Creds, req, hex.EncodeToString(sum[:]), "states", region, time.Now()); err != nil {
			return err
		}
	}
	res, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	text, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		if len(text) > 300 {
			text = text[:300]
		}
		return fmt.Errorf("%s: HTTP %d %s", action, res.StatusCode, text)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(text, out)
}
