package iam

import (
	"fmt"
	"net/http"
)

// Error is an AWS error: Code is the name on the wire in the AWS JSON protocols (Step
// Functions), Status the HTTP status. Query (IAM) names some of them differently; see
// queryCode.
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newErr(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

// The messages AWS gives for authentication failures.
const (
	msgUnrecognized = "The security token included in the request is invalid."
	msgBadSignature = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgMissingToken = "Missing Authentication Token"
)

func errUnrecognized() *Error {
	return newErr(http.StatusBadRequest, "UnrecognizedClientException", msgUnrecognized)
}

func errBadSignature() *Error {
	return newErr(http.StatusBadRequest, "InvalidSignatureException", msgBadSignature)
}

func errIncomplete(format string, args ...any) *Error {
	return newErr(http.StatusBadRequest, "IncompleteSignatureException", format, args...)
}

func errNoSuchEntity(format string, args ...any) *Error {
	return newErr(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func errExists(format string, args ...any) *Error {
	return newErr(http.StatusConflict, "EntityAlreadyExists", format, args...)
}

func errConflict(format string, args ...any) *Error {
	return newErr(http.StatusConflict, "DeleteConflict", format, args...)
}

func errLimit(format string, args ...any) *Error {
	return newErr(http.StatusConflict, "LimitExceeded", format, args...)
}

func errMalformed(format string, args ...any) *Error {
	return newErr(http.StatusBadRequest, "MalformedPolicyDocument", format, args...)
}

func errValidation(problems ...string) *Error {
	if len(problems) == 1 {
		return newErr(http.StatusBadRequest, "ValidationError", "1 validation error detected: %s", problems[0])
	}
	msg := fmt.Sprintf("%d validation errors detected: ", len(problems))
	for i, p := range problems {
		if i > 0 {
			msg += "; "
		}
		msg += p
	}
	return newErr(http.StatusBadRequest, "ValidationError", "%s", msg)
}

// queryCode is the name IAM's Query protocol gives an authentication error that the JSON
// protocols name otherwise, and the status it answers with.
func queryCode(e *Error) (string, int) {
	switch e.Code {
	case "UnrecognizedClientException":
		return "InvalidClientTokenId", http.StatusForbidden
	case "InvalidSignatureException":
		return "SignatureDoesNotMatch", http.StatusForbidden
	case "IncompleteSignatureException":
		return "IncompleteSignature", http.StatusBadRequest
	case "MissingAuthenticationTokenException":
		return "MissingAuthenticationToken", http.StatusForbidden
	case "AccessDeniedException":
		return "AccessDenied", http.StatusForbidden
	}
	return e.Code, e.Status
}

func errInvalidInput(format string, args ...any) *Error {
	return newErr(http.StatusBadRequest, "InvalidInput", format, args...)
}
