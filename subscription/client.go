package subscription

import (
	"context"
	"fmt"
	"net/http"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/rest"
)

const subscriptionPath = apiPrefix + "/subscription"

// Client calls RingCentral's Subscription API. It is safe for concurrent
// use.
//
// Errors from the server are *ringwatch.APIError values (see ErrNotFound,
// ErrRateLimited, ErrUnauthorized). A 429 answer is retried after its
// Retry-After (30 s when absent), a 502, 503 or 504 after a capped,
// jittered exponential backoff, up to WithMaxAttempts attempts; every wait
// ends with the context.
type Client struct {
	rc *rest.Client
}

// NewClient returns a client that sends through rc: its server, its
// authorised HTTP client and its rate-limit budget, shared with every
// other client made from rc. It logs to rc.Logger() unless an option says
// otherwise. A nil rc fails every call with a *ringwatch.MissingError.
func NewClient(rc *ringwatch.Client, opts ...ClientOption) *Client {
	if rc == nil {
		rc = ringwatch.NewClient(ringwatch.Config{})
	}
	ro := append([]rest.Option{rest.WithLogger(rc.Logger())}, restOptions(opts)...)
	return &Client{rc: rest.New(rc.ServerURL(), rc.HTTPClient(), ro...)}
}

// RateLimit returns the rate-limit state of the last answer that carried
// X-Rate-Limit-* headers, or nil before there was one.
func (c *Client) RateLimit() *ringwatch.RateLimit { return c.rc.RateLimit() }

// Create creates a subscription (POST /restapi/v1.0/subscription). The
// filters are validated first: an empty list is an ErrInvalidArgument
// error and an invalid filter a *FilterError (ErrInvalidFilter), both
// without a request. RingCentral answers with the filters it subscribed,
// "~" replaced by concrete ids.
func (c *Client) Create(ctx context.Context, req CreateRequest) (*Info, error) {
	if len(req.EventFilters) == 0 {
		return nil, fmt.Errorf("subscription: Create: no event filters: %w", ErrInvalidArgument)
	}
	if err := validate(req.EventFilters); err != nil {
		return nil, err
	}
	var in Info
	if err := c.rc.Do(ctx, http.MethodPost, subscriptionPath, nil, req, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// Get reads a subscription (GET /restapi/v1.0/subscription/{id}). A
// subscription that no longer exists is an error matching ErrNotFound.
func (c *Client) Get(ctx context.Context, id string) (*Info, error) {
	if err := rest.CheckID("subscription: Get", "subscription id", id); err != nil {
		return nil, err
	}
	var in Info
	if err := c.rc.Do(ctx, http.MethodGet, subscriptionPath+"/"+rest.Segment(id), nil, nil, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// List returns the subscriptions the current user created with this app
// (GET /restapi/v1.0/subscription).
func (c *Client) List(ctx context.Context) ([]Info, error) {
	var l List
	if err := c.rc.Do(ctx, http.MethodGet, subscriptionPath, nil, nil, &l); err != nil {
		return nil, err
	}
	return l.Records, nil
}

// Update changes a subscription's filters or lifetime (PUT
// /restapi/v1.0/subscription/{id}); an empty request renews it with the
// default lifetime. Filters, if any, are validated first. WebSocket
// subscriptions cannot be updated this way.
func (c *Client) Update(ctx context.Context, id string, req UpdateRequest) (*Info, error) {
	if err := rest.CheckID("subscription: Update", "subscription id", id); err != nil {
		return nil, err
	}
	if err := validate(req.EventFilters); err != nil {
		return nil, err
	}
	var in Info
	if err := c.rc.Do(ctx, http.MethodPut, subscriptionPath+"/"+rest.Segment(id), nil, req, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// Renew extends a subscription by its lifetime (POST
// /restapi/v1.0/subscription/{id}/renew, no body).
func (c *Client) Renew(ctx context.Context, id string) (*Info, error) {
	if err := rest.CheckID("subscription: Renew", "subscription id", id); err != nil {
		return nil, err
	}
	var in Info
	if err := c.rc.Do(ctx, http.MethodPost, subscriptionPath+"/"+rest.Segment(id)+"/renew", nil, nil, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// Delete removes a subscription (DELETE /restapi/v1.0/subscription/{id},
// 204 No Content). Deleting one that no longer exists is an error
// matching ErrNotFound, which callers tearing down usually ignore.
func (c *Client) Delete(ctx context.Context, id string) error {
	if err := rest.CheckID("subscription: Delete", "subscription id", id); err != nil {
		return err
	}
	return c.rc.Do(ctx, http.MethodDelete, subscriptionPath+"/"+rest.Segment(id), nil, nil, nil)
}

func validate(filters []Filter) error {
	for _, f := range filters {
		if err := f.Validate(); err != nil {
			return err
		}
	}
	return nil
}
