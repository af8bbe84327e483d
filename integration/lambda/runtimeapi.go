package lambda

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// The Runtime API, as Lambda serves it to a function process
// (docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
const (
	hdrRequestID   = "Lambda-Runtime-Aws-Request-Id"
	hdrDeadline    = "Lambda-Runtime-Deadline-Ms"
	hdrFunctionArn = "Lambda-Runtime-Invoked-Function-Arn"
	hdrTraceID     = "Lambda-Runtime-Trace-Id"
	// hdrClientContext is the invocation's client context, a JSON object, when it has one.
	hdrClientContext = "Lambda-Runtime-Client-Context"
	hdrErrorType     = "Lambda-Runtime-Function-Error-Type"
	hdrErrorBody     = "Lambda-Runtime-Function-Error-Body"
)

func (sb *sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", sb.nextInvocation)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", sb.response)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", sb.invocationError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", sb.initError)
	return mux
}

// nextInvocation blocks until an invocation comes, as Lambda's does (the environment is
// frozen meanwhile there).
func (sb *sandbox) nextInvocation(w http.ResponseWriter, r *http.Request) {
	sb.warm.Store(true)
	var c *call
	select {
	case c = <-sb.next:
	case <-sb.stop:
		return
	case <-r.Context().Done():
		return
	}
	sb.mu.Lock()
	sb.cur = c
	sb.mu.Unlock()
	qualified := sb.p.rt.FunctionArn(sb.p.name)
	if c.inv.Qualifier != "" {
		qualified += ":" + c.inv.Qualifier
	}
	h := w.Header()
	h.Set(hdrRequestID, c.inv.RequestID)
	h.Set(hdrDeadline, strconv.FormatInt(time.Now().Add(sb.p.spec.Timeout).UnixMilli(), 10))
	h.Set(hdrFunctionArn, qualified)
	h.Set(hdrTraceID, c.inv.TraceID)
	if c.inv.clientContext != "" {
		h.Set(hdrClientContext, c.inv.clientContext)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(c.inv.Payload)))
	w.WriteHeader(http.StatusOK)
	w.Write(c.inv.Payload)
}

// take returns the current call if id names it, and clears it.
func (sb *sandbox) take(id string) *call {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	c := sb.cur
	if c == nil || c.inv.RequestID != id {
		return nil
	}
	sb.cur = nil
	return c
}

func (sb *sandbox) response(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	c := sb.take(r.PathValue("id"))
	if c == nil {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	// A streamed response that failed midway names its error in the trailers.
	if typ := r.Trailer.Get(hdrErrorType); typ != "" {
		payload, err := base64.StdEncoding.DecodeString(r.Trailer.Get(hdrErrorBody))
		if err != nil || !json.Valid(payload) {
			payload = errorPayload(typ, "")
		}
		c.answer <- answer{payload: payload, failed: true}
		accepted(w)
		return
	}
	if len(body) > maxPayload {
		c.answer <- answer{failed: true, payload: []byte(fmt.Sprintf(
			`{"errorMessage":"Response payload size exceeded maximum allowed payload size (%d bytes).","errorType":"Function.ResponseSizeTooLarge"}`, maxPayload+100))}
		apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", maxPayload))
		return
	}
	c.answer <- answer{payload: body}
	accepted(w)
}

func (sb *sandbox) invocationError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxPayload))
	c := sb.take(r.PathValue("id"))
	if c == nil {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	c.answer <- answer{payload: errorBody(body, r.Header.Get(hdrErrorType)), failed: true}
	accepted(w)
}

func (sb *sandbox) initError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxPayload))
	select {
	case sb.initEr <- errorBody(body, r.Header.Get(hdrErrorType)):
	default:
	}
	accepted(w)
}

// errorBody is the error payload a runtime posted, or one made from its error type header
// when the body is not a JSON object.
func errorBody(body []byte, typ string) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil {
		return body
	}
	if typ == "" {
		typ = "Runtime.Unknown"
	}
	return errorPayload(typ, string(body))
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(errorPayload(typ, msg))
}
