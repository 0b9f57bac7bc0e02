package rest

import (
	"context"
	"errors"
	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/errbody"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParseError(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   *ringwatch.APIError
	}{
		{
			name: "errors list", status: 400,
			body: `{"errors":[{"errorCode":"SUB-508","message":"Invalid event filters","parameterName":"eventFilters","parameterValue":"/x"},{"errorCode":"CMN-101","message":"second"}]}`,
			want: &ringwatch.APIError{StatusCode: 400, Code: "SUB-508", Message: "Invalid event filters", Parameter: "eventFilters",
				Errors: []ringwatch.ErrorDetail{
					{Code: "SUB-508", Message: "Invalid event filters", ParameterName: "eventFilters", ParameterValue: "/x"},
					{Code: "CMN-101", Message: "second"},
				}},
		},
		{
			name: "top-level code and message", status: 404,
			body: `{"errorCode":"CMN-102","message":"Resource for parameter [subscriptionId] is not found","parameterName":"subscriptionId"}`,
			want: &ringwatch.APIError{StatusCode: 404, Code: "CMN-102", Message: "Resource for parameter [subscriptionId] is not found", Parameter: "subscriptionId"},
		},
		{
			name: "top-level and list", status: 400,
			body: `{"errorCode":"SUB-524","message":"HTTPS certificate is not valid","errors":[{"errorCode":"SUB-524","message":"HTTPS certificate is not valid","parameterName":"deliveryMode.address"}]}`,
			want: &ringwatch.APIError{StatusCode: 400, Code: "SUB-524", Message: "HTTPS certificate is not valid", Parameter: "deliveryMode.address",
				Errors: []ringwatch.ErrorDetail{{Code: "SUB-524", Message: "HTTPS certificate is not valid", ParameterName: "deliveryMode.address"}}},
		},
		{
			name: "oauth form", status: 401,
			body: `{"error":"invalid_client","error_description":"Invalid client credentials"}`,
			want: &ringwatch.APIError{StatusCode: 401, Code: "invalid_client", Message: "Invalid client credentials"},
		},
		{
			name: "oauth form with RingCentral list", status: 400,
			body: `{"error":"invalid_grant","error_description":"Token not found","errors":[{"errorCode":"OAU-211","message":"Token not found"}]}`,
			want: &ringwatch.APIError{StatusCode: 400, Code: "OAU-211", Message: "Token not found",
				Errors: []ringwatch.ErrorDetail{{Code: "OAU-211", Message: "Token not found"}}},
		},
		{
			name: "numeric parameter value", status: 400,
			body: `{"errors":[{"errorCode":"CMN-101","message":"bad","parameterName":"expiresIn","parameterValue":-5}]}`,
			want: &ringwatch.APIError{StatusCode: 400, Code: "CMN-101", Message: "bad", Parameter: "expiresIn",
				Errors: []ringwatch.ErrorDetail{{Code: "CMN-101", Message: "bad", ParameterName: "expiresIn", ParameterValue: "-5"}}},
		},
		{name: "not JSON", status: 502, body: `<html>Bad Gateway</html>`, want: &ringwatch.APIError{StatusCode: 502}},
		{name: "empty", status: 503, want: &ringwatch.APIError{StatusCode: 503}},
		{
			name: "headers", status: 429,
			header: http.Header{"Retry-After": {"12"}, "X-Rate-Limit-Group": {"Light"}, "X-Rate-Limit-Limit": {"50"}, "X-Rate-Limit-Remaining": {"0"}, "X-Rate-Limit-Window": {"60"}},
			body:   `{"errorCode":"CMN-301","message":"Request rate exceeded"}`,
			want: &ringwatch.APIError{StatusCode: 429, Code: "CMN-301", Message: "Request rate exceeded", RetryAfter: 12 * time.Second,
				RateLimit: &ringwatch.RateLimit{Group: "Light", Limit: 50, Remaining: 0, Window: time.Minute}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			if d := cmp.Diff(tt.want, ParseError(tt.status, h, []byte(tt.body), now)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestParseErrorClipsMessage(t *testing.T) {
	long := strings.Repeat("é", 3000)
	e := ParseError(400, http.Header{}, []byte(`{"errorCode":"X","message":"`+long+`"}`), time.Now())
	if len(e.Message) > errbody.MaxMessage+len("…") || !utf8.ValidString(e.Message) {
		t.Errorf("message of %d bytes kept (valid UTF-8: %v)", len(e.Message), utf8.ValidString(e.Message))
	}
}

func TestAPIErrorIs(t *testing.T) {
	tests := []struct {
		err                            *ringwatch.APIError
		notFound, limited, unauth, tmp bool
	}{
		{err: &ringwatch.APIError{StatusCode: 404}, notFound: true},
		{err: &ringwatch.APIError{StatusCode: 404, Code: "CMN-120"}, notFound: true},
		{err: &ringwatch.APIError{StatusCode: 400, Code: "SUB-507"}, notFound: true},
		{err: &ringwatch.APIError{StatusCode: 400, Code: "CMN-102"}, notFound: true},
		{err: &ringwatch.APIError{StatusCode: 429, Code: "CMN-301"}, limited: true, tmp: true},
		{err: &ringwatch.APIError{StatusCode: 401, Code: "OAU-128"}, unauth: true},
		{err: &ringwatch.APIError{StatusCode: 403, Code: "SUB-505"}},
		{err: &ringwatch.APIError{StatusCode: 502}, tmp: true},
		{err: &ringwatch.APIError{StatusCode: 503}, tmp: true},
		{err: &ringwatch.APIError{StatusCode: 504}, tmp: true},
		{err: &ringwatch.APIError{StatusCode: 500}},
	}
	for _, tt := range tests {
		var err error = tt.err
		if got := errors.Is(err, ringwatch.ErrNotFound); got != tt.notFound {
			t.Errorf("%v: Is(ringwatch.ErrNotFound) = %v", err, got)
		}
		if got := errors.Is(err, ringwatch.ErrRateLimited); got != tt.limited {
			t.Errorf("%v: Is(ringwatch.ErrRateLimited) = %v", err, got)
		}
		if got := errors.Is(err, ringwatch.ErrUnauthorized); got != tt.unauth {
			t.Errorf("%v: Is(ringwatch.ErrUnauthorized) = %v", err, got)
		}
		if got := tt.err.Temporary(); got != tt.tmp {
			t.Errorf("%v: Temporary = %v", err, got)
		}
	}
}

func TestAPIErrorString(t *testing.T) {
	e := &ringwatch.APIError{StatusCode: 400, Code: "SUB-508", Message: "Invalid event filters", Parameter: "eventFilters",
		Method: "POST", Path: "/restapi/v1.0/subscription"}
	want := "ringcentral: POST /restapi/v1.0/subscription: 400 Bad Request [SUB-508]: Invalid event filters (parameter eventFilters)"
	if got := e.Error(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := (&ringwatch.APIError{StatusCode: 599}).Error(); got != "ringcentral: 599" {
		t.Errorf("got %q", got)
	}
}

func TestDoErrorCarriesRequest(t *testing.T) {
	s := newServer(t, nil, answer(404, nil, `{"errors":[{"errorCode":"CMN-102","message":"Resource for parameter [subscriptionId] is not found"}]}`))
	err := New(s.URL, s.client(t)).Do(context.Background(), http.MethodGet, "/restapi/v1.0/subscription/x", nil, nil, nil)
	var ae *ringwatch.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v", err)
	}
	want := &ringwatch.APIError{StatusCode: 404, Code: "CMN-102", Message: "Resource for parameter [subscriptionId] is not found",
		Errors: []ringwatch.ErrorDetail{{Code: "CMN-102", Message: "Resource for parameter [subscriptionId] is not found"}},
		Method: "GET", Path: "/restapi/v1.0/subscription/x"}
	if d := cmp.Diff(want, ae); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestParseRateLimit(t *testing.T) {
	tests := []struct {
		h    http.Header
		want *ringwatch.RateLimit
	}{
		{http.Header{}, nil},
		{http.Header{"X-Rate-Limit-Group": {"light"}}, &ringwatch.RateLimit{Group: "light"}},
		{http.Header{"X-Rate-Limit-Group": {"Heavy"}, "X-Rate-Limit-Limit": {"10"}, "X-Rate-Limit-Remaining": {"3"}, "X-Rate-Limit-Window": {"60"}},
			&ringwatch.RateLimit{Group: "Heavy", Limit: 10, Remaining: 3, Window: time.Minute}},
		{http.Header{"X-Rate-Limit-Limit": {"x"}, "X-Rate-Limit-Window": {"y"}}, &ringwatch.RateLimit{}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, ParseRateLimit(tt.h)); d != "" {
			t.Errorf("%v (-want +got):\n%s", tt.h, d)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"2", 2 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"99999999999999", 24 * time.Hour, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		d, ok := ParseRetryAfter(tt.v, now)
		if d != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.v, d, ok, tt.want, tt.ok)
		}
	}
}
