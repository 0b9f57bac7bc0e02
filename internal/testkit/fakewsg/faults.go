package fakewsg

import (
	"net/http"
	"strings"
)

// RequestFault is an error answer the gateway gives to a ClientRequest
// instead of passing it to Config.Handle: a 429 or 503 on the subscription
// request made over the socket, which no HTTP-level fault can reach.
type RequestFault struct {
	// Method limits the fault to one method ("POST"); empty matches any.
	Method string
	// PathPrefix limits the fault to paths that start with it; empty
	// matches any.
	PathPrefix string
	// Status is the status of the answer, such as 429 or 503.
	Status int
	// RetryAfter is sent as the answer's Retry-After header unless empty.
	RetryAfter string
	// Count is how many requests the fault answers; zero or less means one.
	Count int
	// Body is the JSON error body; nil sends RingCentral's usual one for
	// Status (CMN-301 for 429, CMN-201 for 5xx).
	Body []byte
}

// InjectRequestFault makes the gateway answer the next f.Count matching
// ClientRequests with f. Faults are checked in the order injected. A
// Status outside 400–599 is ignored.
func (s *Server) InjectRequestFault(f RequestFault) {
	if f.Status < 400 || f.Status > 599 {
		return
	}
	if f.Count <= 0 {
		f.Count = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// takeFaultLocked returns the answer of the first fault matching r, using up one
// of its count. Callers hold s.mu.
func (s *Server) takeFaultLocked(r Request) (Response, bool) {
	for i, f := range s.faults {
		if (f.Method != "" && !strings.EqualFold(f.Method, r.Method)) || !strings.HasPrefix(r.Path, f.PathPrefix) {
			continue
		}
		f.Count--
		if f.Count <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		s.stats.FaultsServed++
		resp := Response{Status: f.Status, Body: f.Body}
		if resp.Body == nil {
			code, msg := "CMN-201", "Service Temporary Unavailable"
			if f.Status == http.StatusTooManyRequests {
				code, msg = "CMN-301", "Request rate exceeded"
			} else if f.Status < 500 {
				code, msg = "CMN-101", "Request is invalid"
			}
			resp.Body = errorResponse(f.Status, code, msg).Body
		}
		if f.RetryAfter != "" {
			resp.Headers = map[string]string{"Retry-After": f.RetryAfter}
		}
		return resp, true
	}
	return Response{}, false
}
