package notifytest

import (
	"encoding/json"
	"errors"
	"net/http"
)

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("notifytest: platform closed")

// apiError is an error answer in RingCentral's form. oauth is the RFC 6749
// error ("invalid_grant") for the token endpoint, which adds error and
// error_description to the body.
type apiError struct {
	status     int
	code       string
	message    string
	param      string
	retryAfter string
	oauth      string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errorf(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

// invalidParam is RingCentral's CMN-101 answer for a bad parameter.
func invalidParam(name, message string) *apiError {
	if message == "" {
		message = "Parameter [" + name + "] value is invalid"
	}
	return &apiError{status: http.StatusBadRequest, code: "CMN-101", message: message, param: name}
}

func notFound(param string) *apiError {
	return errorf(http.StatusNotFound, "CMN-102", "Resource for parameter ["+param+"] is not found")
}

type wireErrorDetail struct {
	ErrorCode     string `json:"errorCode"`
	Message       string `json:"message"`
	ParameterName string `json:"parameterName,omitempty"`
}

type wireError struct {
	Error            string            `json:"error,omitempty"`
	ErrorDescription string            `json:"error_description,omitempty"`
	ErrorCode        string            `json:"errorCode"`
	Message          string            `json:"message"`
	Errors           []wireErrorDetail `json:"errors"`
}

// body is the JSON body: both of RingCentral's forms at once, the top-level
// errorCode/message and the errors[] list.
func (e *apiError) body() []byte {
	w := wireError{
		Error: e.oauth, ErrorCode: e.code, Message: e.message,
		Errors: []wireErrorDetail{{ErrorCode: e.code, Message: e.message, ParameterName: e.param}},
	}
	if e.oauth != "" {
		w.ErrorDescription = e.message
	}
	b, _ := json.Marshal(w) // plain strings: cannot fail
	return b
}

func (e *apiError) write(w http.ResponseWriter) {
	if e.retryAfter != "" {
		w.Header().Set("Retry-After", e.retryAfter)
	}
	writeJSONBytes(w, e.status, e.body())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		errorf(http.StatusInternalServerError, "CMN-500", "notifytest: cannot encode the response").write(w)
		return
	}
	writeJSONBytes(w, status, b)
}

func writeJSONBytes(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
