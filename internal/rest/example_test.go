package rest_test

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/rest"
)

// Both of RingCentral's error bodies become the same *APIError.
func ExampleParseError() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := http.Header{"Retry-After": {"2"}, "X-Rate-Limit-Group": {"Light"}}
	e := rest.ParseError(429, h, []byte(`{"errors":[{"errorCode":"CMN-301","message":"Request rate exceeded"}]}`), now)
	fmt.Println(e, e.RetryAfter, e.RateLimit.Group, errors.Is(e, ringwatch.ErrRateLimited))

	e = rest.ParseError(404, http.Header{}, []byte(`{"errorCode":"SUB-507","message":"Subscription expired"}`), now)
	fmt.Println(e, errors.Is(e, ringwatch.ErrNotFound))
	// Output:
	// ringcentral: 429 Too Many Requests [CMN-301]: Request rate exceeded 2s Light true
	// ringcentral: 404 Not Found [SUB-507]: Subscription expired true
}
