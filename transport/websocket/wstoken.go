package websocket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

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
		return nil, apiError(http.MethodPost, wsTokenPath, resp.StatusCode, resp.Header, body)
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

// apiError builds a *subscription.APIError from an error answer, whichever
// of RingCentral's error bodies it has (errorCode/message, errors[], or
// OAuth's error/error_description).
func apiError(method, path string, status int, h http.Header, body []byte) *subscription.APIError {
	e := &subscription.APIError{StatusCode: status, Method: method, Path: path}
	var b struct {
		ErrorCode   string                     `json:"errorCode"`
		Message     string                     `json:"message"`
		Errors      []subscription.ErrorDetail `json:"errors"`
		OAuthError  string                     `json:"error"`
		Description string                     `json:"error_description"`
	}
	if json.Unmarshal(body, &b) == nil {
		e.Code, e.Message, e.Errors = b.ErrorCode, b.Message, b.Errors
		if e.Code == "" && len(b.Errors) > 0 {
			e.Code, e.Message, e.Parameter = b.Errors[0].Code, b.Errors[0].Message, b.Errors[0].ParameterName
		}
		if e.Code == "" && b.OAuthError != "" {
			e.Code, e.Message = b.OAuthError, b.Description
		}
	}
	if h != nil {
		e.RateLimit = subscription.ParseRateLimit(h)
		e.RetryAfter = retryAfter(h.Get("Retry-After"))
	}
	return e
}

func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(time.Until(at), 0)
	}
	return 0
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
