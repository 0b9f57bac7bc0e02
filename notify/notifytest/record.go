package notifytest

import (
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Request is one request the platform received, as recorded for
// assertions. Header is kept whole, Authorization included, so that tests
// can check the client authentication and bearer tokens that were sent:
// the platform only ever sees its own fake credentials.
type Request struct {
	// Time is the platform clock's time when the request arrived.
	Time time.Time
	// Method and Path are the request's method and URL path.
	Method, Path string
	// Query is the parsed URL query.
	Query url.Values
	// Header holds the request headers.
	Header http.Header
	// Body holds the request body (at most 1 MiB).
	Body []byte
}

func (p *Platform) record(r *http.Request, body []byte) {
	req := Request{
		Time:   p.now(),
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
		Body:   body,
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if over := len(p.requests) + 1 - p.set.maxRequests; over > 0 {
		p.requests = slices.Delete(p.requests, 0, over)
	}
	p.requests = append(p.requests, req)
}

// Requests returns the requests received so far, oldest first (at most the
// WithRequestLimit newest). The caller may modify the result.
func (p *Platform) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Request, len(p.requests))
	for i, r := range p.requests {
		r.Query = cloneValues(r.Query)
		r.Header = r.Header.Clone()
		r.Body = slices.Clone(r.Body)
		out[i] = r
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (p *Platform) ResetRequests() {
	p.mu.Lock()
	p.requests = nil
	p.mu.Unlock()
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
