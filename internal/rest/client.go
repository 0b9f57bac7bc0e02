package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/redact"
)

// Body size limits: a success body is decoded whole (an account presence
// page of 1000 records is a few megabytes); of an error body only the
// beginning matters.
const (
	maxBody      = 64 << 20
	maxErrorBody = 64 << 10
)

// ErrInvalidArgument matches an error about a call's arguments, found
// before anything was sent (an empty id, no event filters, …).
var ErrInvalidArgument = errors.New("invalid argument")

// ErrResponseTooLarge is returned when a success body exceeds 64 MiB.
var ErrResponseTooLarge = errors.New("ringcentral: response body too large")

// Client sends requests to one RingCentral server. It is safe for
// concurrent use.
type Client struct {
	base string
	hc   *http.Client
	o    Options
	rl   atomic.Pointer[ringwatch.RateLimit]
}

// New returns a client for serverURL (such as
// https://platform.ringcentral.com) that sends through hc, which must add
// the Authorization header (ringwatch.Config.Client does); nil means
// http.DefaultClient.
func New(serverURL string, hc *http.Client, opts ...Option) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := &Client{base: strings.TrimRight(serverURL, "/"), hc: hc}
	for _, opt := range opts {
		if opt != nil {
			opt(&c.o)
		}
	}
	c.o.defaults()
	return c
}

// RateLimit returns a copy of the rate-limit state of the last answer that
// carried X-Rate-Limit-* headers, or nil before there was one.
func (c *Client) RateLimit() *ringwatch.RateLimit {
	rl := c.rl.Load()
	if rl == nil {
		return nil
	}
	cp := *rl
	return &cp
}

// Do sends method path?query with in (if not nil) as its JSON body, and
// decodes a success body into out (if not nil). path must already be
// escaped (see Segment). Error answers become *ringwatch.APIError; transport
// failures are returned as the *http.Client returns them (wrapped, so that
// errors.Is(err, context.Canceled) and errors.As to a token error work).
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("ringcentral: %s %s: encoding request: %w", method, path, err)
		}
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	for attempt := 1; ; attempt++ {
		status, h, data, secrets, err := c.send(ctx, method, u, body)
		if err != nil {
			return fmt.Errorf("ringcentral: %s %s: %w", method, path, redact.Error(err, secrets...))
		}
		if rl := ParseRateLimit(h); rl != nil {
			c.rl.Store(rl)
		}
		if status >= 200 && status < 300 {
			if len(data) > maxBody {
				return fmt.Errorf("ringcentral: %s %s: %w", method, path, ErrResponseTooLarge)
			}
			if out == nil || len(bytes.TrimSpace(data)) == 0 {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("ringcentral: %s %s: decoding response: %w", method, path, err)
			}
			return nil
		}
		now := c.o.Now()
		apiErr := ParseError(status, h, data, now, secrets...)
		apiErr.Method, apiErr.Path = method, path
		wait, retry := c.retryWait(status, h, attempt, now)
		if !retry {
			return apiErr
		}
		c.o.Logger.LogAttrs(ctx, slog.LevelDebug, "ringwatch: retrying request",
			slog.String("method", method), slog.String("path", path), slog.Int("status", status),
			slog.String("code", apiErr.Code), slog.Duration("wait", wait), slog.Int("attempt", attempt+1))
		if err := c.o.Sleep(ctx, wait); err != nil {
			return &retryAbandonedError{api: apiErr, wait: wait, err: err}
		}
	}
}

// retryWait says whether the answer of attempt may be retried, and after
// how long.
func (c *Client) retryWait(status int, h http.Header, attempt int, now time.Time) (time.Duration, bool) {
	if !retryable(status) || attempt >= c.o.MaxAttempts {
		return 0, false
	}
	ra, hasRA := ParseRetryAfter(h.Get("Retry-After"), now)
	var wait time.Duration
	switch {
	case hasRA:
		wait = ra
	case status == http.StatusTooManyRequests:
		wait = DefaultRetryAfter
	default:
		ceil := c.o.backoff(attempt)
		wait = min(max(c.o.Jitter(ceil), 0), ceil)
	}
	if wait > c.o.MaxRetryAfter {
		return 0, false
	}
	return wait, true
}

// send makes one attempt. The body is re-read from the byte slice on every
// attempt, so retries resend it whole. secrets are those the request may
// have carried (redact.Of), for cleaning what the answer echoes.
func (c *Client) send(ctx context.Context, method, u string, body []byte) (status int, h http.Header, data []byte, secrets []string, err error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, redact.Of(c.hc, nil), err
	}
	defer resp.Body.Close()
	limit := int64(maxBody)
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		limit = maxErrorBody
		secrets = redact.Of(c.hc, resp)
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return 0, nil, nil, secrets, fmt.Errorf("reading response: %w", err)
	}
	if int64(len(data)) > limit && limit == maxErrorBody {
		data = data[:limit] // an error body is only looked at, never required whole
	}
	// Let the connection be reused when only a little is left.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode, resp.Header, data, secrets, nil
}

// retryAbandonedError is the answer that was going to be retried, and why
// the wait ended early (the context). It matches both.
type retryAbandonedError struct {
	api  *ringwatch.APIError
	wait time.Duration
	err  error
}

func (e *retryAbandonedError) Error() string {
	return fmt.Sprintf("%v (retry after %v abandoned: %v)", e.api, e.wait, e.err)
}

func (e *retryAbandonedError) Unwrap() []error { return []error{e.api, e.err} }

// Segment escapes one path segment, such as an id. "~" stays as it is.
func Segment(s string) string { return url.PathEscape(s) }

// CheckID returns an ErrInvalidArgument error naming what when id is
// empty.
func CheckID(op, what, id string) error {
	if id == "" {
		return fmt.Errorf("%s: empty %s: %w", op, what, ErrInvalidArgument)
	}
	return nil
}
