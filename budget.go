package ringwatch

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// The budget: one per Client, under the auth layer and under token
// requests, so that every request the Client sends is counted in its
// rate-limit group before it leaves.
//
// Each group keeps a sliding log of the send times of its last Limit
// requests (reserved under the mutex, so that concurrent requests take
// distinct slots). A request may leave when fewer than Limit requests left
// within the last Window plus a safety margin: RingCentral's windows are
// fixed and start at the server, and network delay shifts arrivals, so
// the margin keeps a burst that the client spaced correctly from landing
// in one server window. A request that would earn a 429 waits instead,
// since a request sent during RingCentral's 60 s penalty restarts it.

const (
	// maxRoutes bounds the learned route → group table.
	maxRoutes = 256
	// maxGroups bounds the groups a server can make the budget track.
	maxGroups = 32
	// maxLimit bounds a learned limit (and so the memory of a group's log).
	maxLimit = 10000
)

// margin is the safety margin added to a group's window.
func margin(window time.Duration) time.Duration {
	return min(max(window/10, 250*time.Millisecond), 3*time.Second)
}

// rateGroup is the budget's state of one group.
type rateGroup struct {
	name   string
	limit  int
	window time.Duration
	// sends holds the reserved send times of the last ≤ limit requests,
	// oldest first; they never decrease.
	sends []time.Time
	// hold is the time before which nothing is sent (a 429's Retry-After,
	// or a window after the server said Remaining 0).
	hold time.Time
}

// budget is the rate-limit budget of a Client.
type budget struct {
	log *slog.Logger

	mu      sync.Mutex
	changed chan struct{} // closed when a group's limit or window changes
	groups  map[string]*rateGroup
	routes  map[string]string // learned: route key → group
}

func newBudget(log *slog.Logger) *budget {
	b := &budget{log: log, changed: make(chan struct{}), groups: make(map[string]*rateGroup), routes: make(map[string]string)}
	for _, g := range []struct {
		name  string
		limit int
	}{{GroupLight, DefaultLightLimit}, {GroupMedium, DefaultMediumLimit}, {GroupHeavy, DefaultHeavyLimit}, {GroupAuth, DefaultAuthLimit}} {
		b.groups[g.name] = &rateGroup{name: g.name, limit: g.limit, window: DefaultRateWindow}
	}
	return b
}

// group returns the group named name, creating it with the defaults of a
// Light group; nil when the table is full. Callers hold b.mu.
func (b *budget) group(name string) *rateGroup {
	g := b.groups[name]
	if g == nil && len(b.groups) < maxGroups {
		g = &rateGroup{name: name, limit: DefaultLightLimit, window: DefaultRateWindow}
		b.groups[name] = g
	}
	return g
}

// acquire waits until a request of the route's group may leave, records
// its send time and returns the group. A request that waits looks again
// when its turn comes or when an answer has taught the budget a new limit
// or window; it gives up when ctx ends.
func (b *budget) acquire(ctx context.Context, route string) (string, error) {
	for {
		b.mu.Lock()
		g := b.group(b.routeGroup(route))
		if g == nil {
			b.mu.Unlock()
			return "", nil
		}
		now := time.Now()
		at := g.next(now)
		if !at.After(now) {
			g.sends = append(g.sends, now)
			if over := len(g.sends) - g.limit; over > 0 {
				g.sends = slices.Delete(g.sends, 0, over)
			}
			b.mu.Unlock()
			return g.name, nil
		}
		changed, name := b.changed, g.name
		b.mu.Unlock()
		d := at.Sub(now)
		b.log.Debug("ringwatch: waiting for the rate-limit budget", slog.String("group", name), slog.Duration("wait", d))
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-changed:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return name, fmt.Errorf("ringwatch: waiting %v for rate-limit group %s: %w", d.Round(time.Millisecond), name, ctx.Err())
		}
	}
}

// next returns when the next request of g may leave.
func (g *rateGroup) next(now time.Time) time.Time {
	at := later(now, g.hold)
	if n := len(g.sends); n >= g.limit && n > 0 {
		at = later(at, g.sends[n-g.limit].Add(g.window+margin(g.window)))
	}
	return at
}

// learn takes in what an answer says: the route's group, the group's limit
// and window, a spent group (Remaining 0) and a 429.
func (b *budget) learn(route, sentGroup string, status int, h http.Header, now time.Time) {
	rl, ok := parseRateLimit(h)
	b.mu.Lock()
	defer b.mu.Unlock()
	name := sentGroup
	if ok && rl.Group != "" {
		if _, known := b.routes[route]; known || len(b.routes) < maxRoutes {
			b.routes[route] = rl.Group
		}
		name = rl.Group
	}
	g := b.group(name)
	if g == nil {
		return
	}
	if name != sentGroup {
		// The request was counted in the wrong group: count it here too.
		g.sends = append(g.sends, now)
	}
	if ok {
		if l := min(rl.Limit, maxLimit); l > 0 && l != g.limit || rl.Window > 0 && rl.Window != g.window {
			// Wake the waiters: their turn may have come sooner.
			close(b.changed)
			b.changed = make(chan struct{})
		}
		if rl.Limit > 0 {
			g.limit = min(rl.Limit, maxLimit)
		}
		if rl.Window > 0 {
			g.window = rl.Window
		}
		if over := len(g.sends) - g.limit; over > 0 {
			g.sends = slices.Delete(g.sends, 0, over)
		}
		if rl.Remaining <= 0 && rl.Limit > 0 && strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")) != "" && status != http.StatusTooManyRequests {
			// The server's window is spent: a window from now has surely
			// passed its end.
			g.hold = later(g.hold, now.Add(g.window+margin(g.window)))
		}
	}
	if status == http.StatusTooManyRequests {
		wait, has := parseRetryAfter(h.Get("Retry-After"), now)
		if !has {
			wait = DefaultRetryAfter
		}
		wait = min(wait, MaxRateHold)
		g.hold = later(g.hold, now.Add(wait))
		b.log.Warn("ringwatch: rate limited by the server", slog.String("group", g.name), slog.Duration("hold", wait))
	}
}

// routeGroup returns the group of a route: learned, or from the default
// table. Callers hold b.mu.
func (b *budget) routeGroup(route string) string {
	if g, ok := b.routes[route]; ok {
		return g
	}
	return defaultGroup(route)
}

// snapshot returns the state of every group, by name.
func (b *budget) snapshot(now time.Time) []RateLimit {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]RateLimit, 0, len(b.groups))
	for _, g := range b.groups {
		rl := RateLimit{Group: g.name, Limit: g.limit, Window: g.window}
		span := g.window + margin(g.window)
		used := 0
		for _, t := range g.sends {
			if t.Add(span).After(now) {
				used++
			}
		}
		rl.Remaining = max(g.limit-used, 0)
		if at := g.next(now); at.After(now) {
			rl.WaitUntil, rl.Remaining = at, 0
		}
		out = append(out, rl)
	}
	slices.SortFunc(out, func(a, b RateLimit) int { return strings.Compare(a.Group, b.Group) })
	return out
}

// budgetTransport sends each request when its group's budget allows, and
// learns from each answer.
type budgetTransport struct {
	base http.RoundTripper
	b    *budget
}

func (t *budgetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	route := routeKey(req.Method, req.URL.Path)
	group, err := t.b.acquire(req.Context(), route)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.b.learn(route, group, resp.StatusCode, resp.Header, time.Now())
	return resp, nil
}

// route is one entry of the default route table: a method ("" for any)
// and a path pattern whose "*" segments match any one segment, and whose
// trailing "**" matches the rest.
type route struct {
	method, pattern, group string
}

// defaultRoutes are the groups of the endpoints ringwatch uses, from
// RingCentral's API reference (the answers' headers correct them).
var defaultRoutes = []route{
	{"", "/restapi/oauth/**", GroupAuth},
	{"POST", "/restapi/*/subscription", GroupMedium},
	{"GET", "/restapi/*/subscription", GroupLight},
	{"GET", "/restapi/*/subscription/*", GroupLight},
	{"PUT", "/restapi/*/subscription/*", GroupMedium},
	{"DELETE", "/restapi/*/subscription/*", GroupMedium},
	{"POST", "/restapi/*/subscription/*/renew", GroupLight},
	{"POST", "/restapi/*/account/*/telephony/call-out", GroupHeavy},
	{"POST", "/restapi/*/account/*/telephony/conference", GroupHeavy},
	{"GET", "/restapi/*/account/*/telephony/sessions/*", GroupLight},
	{"DELETE", "/restapi/*/account/*/telephony/sessions/*", GroupLight},
	{"POST", "/restapi/*/account/*/telephony/sessions/*/supervise", GroupLight},
	{"", "/restapi/*/account/*/telephony/sessions/*/parties/**", GroupLight},
	{"GET", "/restapi/*/account/*/extension/*/presence", GroupLight},
	{"GET", "/restapi/*/account/*/presence", GroupHeavy},
}

// routeKey names the route of a request for learning: the method and the
// matching default pattern, or the path with its id-like segments (those
// holding a digit, "~") replaced by "*".
func routeKey(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, r := range defaultRoutes {
		if (r.method == "" || r.method == method) && match(strings.Split(strings.Trim(r.pattern, "/"), "/"), segs) {
			return method + " " + r.pattern
		}
	}
	for i, s := range segs {
		if s == "~" || strings.ContainsAny(s, "0123456789") && s != "v1.0" {
			segs[i] = "*"
		}
	}
	if len(segs) > 12 {
		segs = segs[:12]
	}
	return method + " /" + strings.Join(segs, "/")
}

func match(pat, segs []string) bool {
	for i, p := range pat {
		if p == "**" {
			return true
		}
		if i >= len(segs) || p != "*" && p != segs[i] {
			return false
		}
	}
	return len(pat) == len(segs)
}

// defaultGroup is the group of a route that no answer has named yet.
func defaultGroup(key string) string {
	method, pattern, _ := strings.Cut(key, " ")
	for _, r := range defaultRoutes {
		if r.pattern == pattern && (r.method == "" || r.method == method) {
			return r.group
		}
	}
	if method == http.MethodGet || method == http.MethodHead {
		return GroupLight
	}
	return GroupMedium
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
