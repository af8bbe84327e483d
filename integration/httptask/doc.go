// Package httptask runs arn:aws:states:::http:invoke, the HTTP Task: a Task state that
// calls an HTTPS API with the authorization of an EventBridge connection.
//
// A Handler holds the connections the server knows (Connections, read from a file in the
// shape of EventBridge's CreateConnection input by LoadConnections) and makes each task's
// request as Step Functions does:
//
//   - the request is ApiEndpoint with QueryParameters appended, Method, Headers and
//     RequestBody (JSON, or form-encoded when Transform.RequestBodyEncoding is URL_ENCODED);
//   - the connection's InvocationHttpParameters are merged in, the connection's values
//     winning, and its authorization applied: an API key header, basic authorization, or
//     a bearer token that the Handler obtains from the connection's OAuth
//     AuthorizationEndpoint with the client-credentials grant and caches;
//   - Step Functions' own headers are set (User-Agent: Amazon|StepFunctions|HttpInvoke|REGION
//     and Range: bytes=0-262144), and the headers AWS forbids in a definition are refused
//     with States.Runtime;
//   - the result is {"Headers", "ResponseBody", "StatusCode", "StatusText"}; a status outside
//     2xx fails the task with States.Http.StatusCode.<code>, a request that gets no response
//     (refused, reset, no answer within 60 seconds) with States.Http.Socket, and a missing
//     or unusable connection with Events.ConnectionResource.<reason>.
//
// The Handler implements integration.Handler; integration.Registry routes tasks whose
// resource type is "http" to it. docs/http.md lists what is supported and the choices made
// where AWS's documentation is silent.
package httptask
