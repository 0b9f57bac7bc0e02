package ringwatch

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// Client is one RingCentral user's access to the API: the server URL, the
// login (JWT bearer grant, refresh, re-login when the server invalidates a
// token), the authorised *http.Client and one rate-limit budget shared by
// every request made through it. Every ringwatch constructor that talks
// to RingCentral takes a *Client. It is safe for concurrent use.
//
// The budget counts each request in its API rate-limit group (Light,
// Medium, Heavy, Auth; token requests included) before it leaves. It
// starts from RingCentral's defaults (50, 40, 10 and 5 requests per 60 s)
// and learns each route's group and each group's limit and window from the
// X-Rate-Limit-* headers of the answers. When a group is spent, a request
// waits until it may leave, bounded by its context, rather than earn a 429
// and RingCentral's 60 s penalty; after a 429 answered anyway, the group
// waits for its Retry-After (30 s when absent).
type Client struct {
	server string
	hc     *http.Client
	log    *slog.Logger
	budget *budget
}

// NewClient returns the Client of the user that cfg logs in. Nothing is
// sent until the first request. A cfg lacking a credential does not
// panic: every request then fails with its *MissingError.
func NewClient(cfg Config, opts ...Option) *Client {
	var o clientOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	base := o.hc
	if base == nil {
		base = http.DefaultClient
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c := &Client{server: cfg.server(), log: o.logger, budget: newBudget(o.logger)}
	budgeted := &budgetTransport{base: rt, b: c.budget}
	// Token requests go through the budget too (the Auth group).
	tokenHC := &http.Client{Transport: budgeted, CheckRedirect: base.CheckRedirect, Jar: base.Jar, Timeout: base.Timeout}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, tokenHC)
	c.hc = cfg.authorised(ctx, budgeted, base)
	return c
}

// ServerURL returns the API base URL, such as
// https://platform.ringcentral.com, without a trailing slash.
func (c *Client) ServerURL() string { return c.server }

// HTTPClient returns the authorised, budgeted *http.Client of c, for
// callers' own REST calls. Every call returns the same client.
func (c *Client) HTTPClient() *http.Client { return c.hc }

// Logger returns the logger given by WithLogger, or a silent one; never
// nil.
func (c *Client) Logger() *slog.Logger { return c.log }

// RateLimits returns a snapshot of the budget: one RateLimit per known
// group, ordered by name, with the limit and window in force, the
// requests left in the current window as c counts them, and when a spent
// group has room again (WaitUntil).
func (c *Client) RateLimits() []RateLimit { return c.budget.snapshot(time.Now()) }
