package presence

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/jsonx"
	"github.com/ringwatch/ringwatch/internal/rest"
)

// ErrNotFound matches a Client error saying that the account or extension
// does not exist: HTTP 404 or CMN-102. It is the same value as
// ringwatch.ErrNotFound, and the server's errors are *ringwatch.APIError
// values, so one errors.Is or errors.As works for every ringwatch REST
// client.
var ErrNotFound = ringwatch.ErrNotFound

// Client reads presence from RingCentral's REST API, to resynchronise
// after a gap in the notifications. It always asks for the detailed
// telephony state with SIP data, the form the detailed presence filter
// delivers. It is safe for concurrent use, and retries like
// subscription.Client (429 after Retry-After; 502, 503, 504 with backoff).
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

// detailed is the query of every presence read.
func detailed() url.Values {
	return url.Values{"detailedTelephonyState": {"true"}, "sipData": {"true"}}
}

// Extension reads the presence of one extension (GET
// /restapi/v1.0/account/{accountId}/extension/{extensionId}/presence?detailedTelephonyState=true&sipData=true).
// "~" (or an empty id) is the current account or extension.
func (c *Client) Extension(ctx context.Context, accountID, extensionID string) (*Info, error) {
	var in Info
	path := accountPath(accountID) + "/extension/" + rest.Segment(orMe(extensionID)) + "/presence"
	if err := c.rc.Do(ctx, http.MethodGet, path, detailed(), nil, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// AccountOptions tune Account.
type AccountOptions struct {
	// PerPage is the page size (RingCentral allows up to 1000); zero means
	// 100.
	PerPage int
}

// maxPages bounds an Account listing, so that a server that always
// announces a next page cannot keep it going forever.
const maxPages = 10000

// Account lists the presence of every extension of an account, page by
// page (GET /restapi/v1.0/account/{accountId}/presence?detailedTelephonyState=true&sipData=true&page=N&perPage=M),
// until the last page. "~" (or an empty id) is the current account; opts
// may be nil. A failure is yielded once, as (nil, err), and ends the
// sequence; a page is read only when the previous one has been consumed.
func (c *Client) Account(ctx context.Context, accountID string, opts *AccountOptions) iter.Seq2[*Info, error] {
	perPage := 100
	if opts != nil && opts.PerPage > 0 {
		perPage = opts.PerPage
	}
	path := accountPath(accountID) + "/presence"
	return func(yield func(*Info, error) bool) {
		for page := 1; page <= maxPages; page++ {
			q := detailed()
			q.Set("page", strconv.Itoa(page))
			q.Set("perPage", strconv.Itoa(perPage))
			var p accountPage
			if err := c.rc.Do(ctx, http.MethodGet, path, q, nil, &p); err != nil {
				yield(nil, err)
				return
			}
			for i := range p.Records {
				if !yield(&p.Records[i], nil) {
					return
				}
			}
			if len(p.Records) == 0 || !p.more(page) {
				return
			}
		}
	}
}

// accountPage is AccountPresenceInfo.
type accountPage struct {
	Records []Info `json:"records"`
	Paging  struct {
		Page       jsonx.Int64 `json:"page"`
		TotalPages jsonx.Int64 `json:"totalPages"`
	} `json:"paging"`
	Navigation struct {
		NextPage *struct {
			URI string `json:"uri"`
		} `json:"nextPage"`
	} `json:"navigation"`
}

// more reports whether a page follows page: navigation.nextPage says so,
// or else paging.totalPages does.
func (p *accountPage) more(page int) bool {
	if p.Navigation.NextPage != nil && p.Navigation.NextPage.URI != "" {
		return true
	}
	return int64(p.Paging.TotalPages) > int64(page)
}

func orMe(id string) string {
	if id == "" {
		return "~"
	}
	return id
}

func accountPath(accountID string) string {
	return "/restapi/v1.0/account/" + rest.Segment(orMe(accountID))
}
