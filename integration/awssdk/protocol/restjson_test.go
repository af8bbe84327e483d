package protocol

import (
	"errors"
	"net/http"
	"testing"
)

func TestRestJSONEqualsValue(t *testing.T) {
	svc := svcModel(t, "guardduty")
	c := For("rest-json")
	req, err := c.Encode(svc, operation(t, svc, "listFindings"), paramsOf(t, `{"DetectorId":"d1","FindingCriteria":{"Criterion":{"severity":{"EqualsValue":["8"],"GreaterThan":4}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"findingCriteria":{"criterion":{"severity":{"equals":["8"],"greaterThan":4}}}}`; string(req.Body) != want {
		t.Errorf("body %s, want %s", req.Body, want)
	}
	if req.Method != "POST" || req.Path != "/detector/d1/findings" || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %s %v", req.Method, req.Path, req.Header)
	}
	// Equals itself is not a Step Functions name.
	_, err = c.Encode(svc, operation(t, svc, "listFindings"), paramsOf(t, `{"DetectorId":"d1","FindingCriteria":{"Criterion":{"severity":{"Equals":["8"]}}}}`))
	var ip *InvalidParameter
	if !errors.As(err, &ip) {
		t.Errorf("Equals: %v, want an InvalidParameter", err)
	}
	out, err := c.Decode(svc, operation(t, svc, "getFilter"), &Response{Status: 200, Header: http.Header{}, Body: []byte(`{"name":"f","action":"NOOP","findingCriteria":{"criterion":{"type":{"equals":["x"]}}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Action":"NOOP","FindingCriteria":{"Criterion":{"type":{"EqualsValue":["x"]}}},"Name":"f"}`; jsonText(out) != want {
		t.Errorf("decoded %s, want %s", jsonText(out), want)
	}
}

func TestRestJSONDecode(t *testing.T) {
	tests := []struct {
		name, svc, action string
		status            int
		header            map[string]string
		body, want        string
	}{
		{
			name: "headers, status code and a blob payload", svc: "lambda", action: "invoke", status: 200,
			header: map[string]string{"X-Amz-Executed-Version": "3", "X-Amz-Function-Error": "Unhandled", "X-Amz-Log-Result": "bG9n"},
			body:   `{"errorMessage":"boom"}`,
			want:   `{"ExecutedVersion":"3","FunctionError":"Unhandled","LogResult":"bG9n","Payload":"{\"errorMessage\":\"boom\"}","StatusCode":200}`,
		},
		{
			name: "body with epoch timestamps, lists and maps", svc: "apigateway", action: "getRestApi", status: 200,
			body: `{"id":"abc","name":"n","createdDate":1700000000,"endpointConfiguration":{"types":["REGIONAL"]},"tags":{"a":"b"},"disableExecuteApiEndpoint":false}`,
			want: `{"CreatedDate":"2023-11-14T22:13:20Z","DisableExecuteApiEndpoint":false,"EndpointConfiguration":{"Types":["REGIONAL"]},"Id":"abc","Name":"n","Tags":{"a":"b"}}`,
		},
		{
			name: "epoch seconds to the millisecond", svc: "apigateway", action: "getRestApi", status: 200,
			body: `{"id":"abc","createdDate":1765021215.752}`,
			want: `{"CreatedDate":"2025-12-06T11:40:15.752Z","Id":"abc"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := svcModel(t, tt.svc)
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			v, err := For("rest-json").Decode(svc, operation(t, svc, tt.action), &Response{Status: tt.status, Header: h, Body: []byte(tt.body)})
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonText(v); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestRestJSONError(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    string
		body      string
		code, msg string
	}{
		{"header with a colon suffix", 404, "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.coral.service/", `{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:1:function:f"}`, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:1:function:f"},
		{"header and lower-case message", 404, "NotFoundException", `{"message":"Invalid API identifier specified"}`, "NotFoundException", "Invalid API identifier specified"},
		{"__type with a namespace", 400, "", `{"__type":"com.amazon.coral.validate#ValidationException","message":"bad"}`, "ValidationException", "bad"},
		{"code member", 409, "", `{"code":"ConflictException","message":"c"}`, "ConflictException", "c"},
		{"nothing but a status", 503, "", ``, "ServiceUnavailable", ""},
	}
	svc := svcModel(t, "lambda")
	for _, tt := range tests {
		h := http.Header{}
		if tt.header != "" {
			h.Set("X-Amzn-ErrorType", tt.header)
		}
		code, msg := For("rest-json").Error(svc, &Response{Status: tt.status, Header: h, Body: []byte(tt.body)})
		if code != tt.code || msg != tt.msg {
			t.Errorf("%s: %q %q, want %q %q", tt.name, code, msg, tt.code, tt.msg)
		}
	}
}
