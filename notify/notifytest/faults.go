package notifytest

import (
	"net/http"
	"strings"
)

// Fault is an error answer the platform gives instead of serving a request.
// Faults are checked in the order they were injected, before
// authentication, so they also apply to the token endpoint.
type Fault struct {
	// Method limits the fault to one HTTP method; empty matches any.
	Method string
	// PathPrefix limits the fault to paths that start with it, such as
	// "/restapi/v1.0/subscription"; empty matches any path.
	PathPrefix string
	// Status is the HTTP status to answer with, such as 429 or 503.
	Status int
	// RetryAfter is the Retry-After header to send; empty sends none.
	RetryAfter string
	// Count is how many requests the fault answers; zero or less means one.
	Count int
	// Code and Message override RingCentral's error code and message for
	// Status (CMN-301 "Request rate exceeded" for 429, CMN-201 "Service
	// Temporary Unavailable" for 5xx, and so on).
	Code, Message string
	// Body, when set, is sent as is instead of the error body.
	Body []byte
}

func (f *Fault) matches(r *http.Request) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, r.Method)) && strings.HasPrefix(r.URL.Path, f.PathPrefix)
}

// defaultCode returns RingCentral's usual error code and message for a
// status.
func defaultCode(status int) (code, message string) {
	switch {
	case status == http.StatusTooManyRequests:
		return "CMN-301", "Request rate exceeded"
	case status == http.StatusUnauthorized:
		return "OAU-128", "Access token expired"
	case status == http.StatusForbidden:
		return "CMN-408", "In order to call this API endpoint, user needs to have permissions"
	case status == http.StatusNotFound:
		return "CMN-102", "Resource is not found"
	case status >= 500:
		return "CMN-201", "Service Temporary Unavailable"
	}
	return "CMN-101", "Request is invalid"
}

func (f *Fault) write(w http.ResponseWriter) {
	if f.Body != nil {
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		writeJSONBytes(w, f.Status, f.Body)
		return
	}
	code, msg := defaultCode(f.Status)
	if f.Code != "" {
		code = f.Code
	}
	if f.Message != "" {
		msg = f.Message
	}
	(&apiError{status: f.Status, code: code, message: msg, retryAfter: f.RetryAfter}).write(w)
}

// InjectFault makes the platform answer the next f.Count matching requests
// with f instead of serving them. A Status outside 100–599 is ignored.
func (p *Platform) InjectFault(f Fault) {
	if f.Status < 100 || f.Status > 599 {
		return
	}
	if f.Count <= 0 {
		f.Count = 1
	}
	p.mu.Lock()
	p.faults = append(p.faults, &f)
	p.mu.Unlock()
}

// FailNext makes the platform answer the next count requests of method
// (empty for any) whose path starts with pathPrefix with status, a
// RingCentral error body (CMN-301 for 429, CMN-201 for 503) and, unless
// retryAfter is empty, a Retry-After header.
func (p *Platform) FailNext(method, pathPrefix string, status int, retryAfter string, count int) {
	p.InjectFault(Fault{Method: method, PathPrefix: pathPrefix, Status: status, RetryAfter: retryAfter, Count: count})
}

// ClearFaults removes every pending fault.
func (p *Platform) ClearFaults() {
	p.mu.Lock()
	p.faults = nil
	p.mu.Unlock()
}

// takeFault returns the first pending fault matching r, using up one of its
// count, or nil.
func (p *Platform) takeFault(r *http.Request) *Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, f := range p.faults {
		if !f.matches(r) {
			continue
		}
		f.Count--
		if f.Count <= 0 {
			p.faults = append(p.faults[:i:i], p.faults[i+1:]...)
		}
		return f
	}
	return nil
}
