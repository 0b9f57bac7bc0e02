package websocket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ringwatch/ringwatch/internal/rest"
	"github.com/ringwatch/ringwatch/subscription"
)

// wsToken is the answer of POST /restapi/oauth/wstoken (reference §4.1).
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
		return nil, fmt.Errorf("websocket: POST %s: %w: %w", wsTokenPath, ErrProtocol, err)
	}
	if tok.URI == "" || tok.AccessToken == "" {
		return nil, fmt.Errorf("websocket: POST %s: %w: answer without uri or ws_access_token", wsTokenPath, ErrProtocol)
	}
	return &tok, nil
}

// temporary reports whether err may go away if the same step is retried:
// rate limiting, 5xx, network failures, gateway timeouts.
func temporary(err error) bool {
	var ae *subscription.APIError
	if errors.As(err, &ae) {
		return ae.Temporary() || ae.StatusCode >= 500 || ae.StatusCode == http.StatusUnauthorized
	}
	var ge *GatewayError
	if errors.As(err, &ge) {
		return ge.Timeout()
	}
	return !errors.Is(err, ErrClosed) && !errors.Is(err, context.Canceled)
}

// waitHint is the wait err asks for (Retry-After), or zero.
func waitHint(err error) time.Duration {
	var ae *subscription.APIError
	if errors.As(err, &ae) {
		return ae.RetryAfter
	}
	return 0
}
