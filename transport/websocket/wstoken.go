package websocket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ringwatch/ringwatch"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/ringwatch/ringwatch/internal/rest"
	"github.com/ringwatch/ringwatch/transport"
)

// wsToken is the answer of POST /restapi/oauth/wstoken.
type wsToken struct {
	URI         string `json:"uri"`
	AccessToken string `json:"ws_access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

const wsTokenPath = "/restapi/oauth/wstoken"

// maxTokenBody bounds what is read of a token answer.
const maxTokenBody = 64 << 10

// fetchToken asks the platform for a single-use gateway token.
func (t *Transport) fetchToken(ctx context.Context) (*wsToken, error) {
	ctx, cancel := context.WithTimeout(ctx, t.opts.requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.serverURL+wsTokenPath, nil)
	if err != nil {
		return nil, fmt.Errorf("websocket: token request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := t.hc.Do(req)
	if err != nil {
		// A *url.Error names the URL, which has no secret here, but its
		// cause may come from the token source; keep only that cause.
		return nil, fmt.Errorf("websocket: POST %s: %w", wsTokenPath, scrub(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody))
	if err != nil {
		return nil, fmt.Errorf("websocket: POST %s: read answer: %w", wsTokenPath, err)
	}
	if resp.StatusCode/100 != 2 {
		ae := rest.ParseError(resp.StatusCode, resp.Header, body, time.Now(), rest.Secrets(t.hc, resp)...)
		ae.Method, ae.Path = http.MethodPost, wsTokenPath
		return nil, ae
	}
	var tok wsToken
	if err := json.Unmarshal(body, &tok); err != nil {
		return nil, fmt.Errorf("%w: POST %s: %w", ErrProtocol, wsTokenPath, err)
	}
	if tok.URI == "" || tok.AccessToken == "" {
		return nil, fmt.Errorf("%w: POST %s: answer without uri or ws_access_token", ErrProtocol, wsTokenPath)
	}
	return &tok, nil
}

// temporary reports whether err may go away if the same step is retried:
// rate limiting, 5xx, network failures, gateway timeouts. Credentials the
// token endpoint refuses for good are not (authRefused).
func temporary(err error) bool {
	var ae *ringwatch.APIError
	if errors.As(err, &ae) {
		return ae.Temporary() || ae.StatusCode >= 500 || ae.StatusCode == http.StatusUnauthorized
	}
	var ge *GatewayError
	if errors.As(err, &ge) {
		return ge.Timeout()
	}
	if authRefused(err) {
		return false
	}
	return !errors.Is(err, transport.ErrClosed) && !errors.Is(err, context.Canceled)
}

// authRefused reports a failure to get an access token that retrying
// cannot fix: an invalid JWT, a revoked app or client (a 4xx other than
// 429 from the token endpoint). ringwatch.Config.Client's transport returns
// it as a *ringwatch.AuthError, whose Temporary method says so; it is
// matched by that method so that the transport does not import the root
// package. RingCentral allows 5 token requests a minute: retrying would
// only use them up. Network errors also have a (deprecated) Temporary
// method, and are retried.
func authRefused(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) {
		return false
	}
	var te interface {
		error
		Temporary() bool
	}
	var ae *ringwatch.APIError
	var ge *GatewayError
	if errors.As(err, &ae) || errors.As(err, &ge) || !errors.As(err, &te) {
		return false
	}
	return !te.Temporary()
}

// retryDelay is the wait before the attempt after attempt, which failed
// with err: the backoff, or longer if the platform asked for it
// (Retry-After, or DefaultRetryAfter for a 429 without one), the latter
// capped at maxRetryAfter.
func (t *Transport) retryDelay(err error, attempt int) time.Duration {
	return max(t.backoff(attempt), min(waitHint(err), t.opts.maxRetryAfter))
}

// waitHint is the wait err asks for: its Retry-After, DefaultRetryAfter
// for a 429 without one, or zero.
func waitHint(err error) time.Duration {
	var ae *ringwatch.APIError
	if errors.As(err, &ae) {
		if ae.RetryAfter <= 0 && ae.StatusCode == http.StatusTooManyRequests {
			return DefaultRetryAfter
		}
		return ae.RetryAfter
	}
	return 0
}
