package notifytest

import (
	"github.com/ringwatch/ringwatch/internal/testkit/fakewsg"
)

// InjectWebSocketFault makes the WebSocket Gateway answer the next f.Count
// matching requests made over a socket (ClientRequest frames, such as the
// POST that creates or re-creates a subscription) with f instead of
// serving them. Method and PathPrefix select the requests
// ("/restapi/v1.0/subscription" matches every subscription request);
// Status, RetryAfter, Code, Message and Body shape the answer as for
// InjectFault. HTTP-level faults (InjectFault) never see these requests,
// which do not go over HTTP. A Status outside 400–599 is ignored.
func (p *Platform) InjectWebSocketFault(f Fault) {
	d := p.wsg()
	if d == nil || f.Status < 400 || f.Status > 599 {
		return
	}
	body := f.Body
	if body == nil {
		code, msg := defaultCode(f.Status)
		if f.Code != "" {
			code = f.Code
		}
		if f.Message != "" {
			msg = f.Message
		}
		body = (&apiError{status: f.Status, code: code, message: msg}).body()
	}
	d.srv.InjectRequestFault(fakewsg.RequestFault{
		Method: f.Method, PathPrefix: f.PathPrefix, Status: f.Status,
		RetryAfter: f.RetryAfter, Count: f.Count, Body: body,
	})
}

// FailNextWebSocketSubscribe makes the gateway answer the next count
// subscription creations made over a socket (the POST after a failed or
// late session recovery, or Open's) with status, RingCentral's error body
// for it and, unless retryAfter is empty, a Retry-After header.
func (p *Platform) FailNextWebSocketSubscribe(status int, retryAfter string, count int) {
	p.InjectWebSocketFault(Fault{Method: "POST", PathPrefix: subscriptionPath, Status: status, RetryAfter: retryAfter, Count: count})
}
