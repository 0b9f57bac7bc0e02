package notifytest

import (
	"net/http"
	"strconv"
	"time"
)

// rateGroup is one of RingCentral's API rate-limit groups with its default
// per-user limit.
type rateGroup struct {
	name   string
	limit  int
	window time.Duration
}

// RingCentral's default limits per user and app.
var (
	groupLight  = rateGroup{"Light", 50, time.Minute}
	groupMedium = rateGroup{"Medium", 40, time.Minute}
	groupHeavy  = rateGroup{"Heavy", 10, time.Minute}
	groupAuth   = rateGroup{"Auth", 5, time.Minute}
)

// group returns g with the window of WithRateLimitWindow, if set.
func (p *Platform) group(g rateGroup) rateGroup {
	if p.set.rateWindow > 0 {
		g.window = p.set.rateWindow
	}
	return g
}

type rateKey struct{ group, who string }

type rateWindow struct {
	start time.Time
	used  int
}

// window returns the current window of a group for who, starting a new one
// when the last has passed. Callers hold p.mu.
func (p *Platform) window(g rateGroup, who string, now time.Time) *rateWindow {
	g = p.group(g)
	k := rateKey{g.name, who}
	rw := p.rates[k]
	if rw == nil || !now.Before(rw.start.Add(g.window)) {
		rw = &rateWindow{start: now}
		p.rates[k] = rw
	}
	return rw
}

// countRate counts one request of group for who, writes the X-Rate-Limit-*
// headers and, when limits are enforced and the group is exhausted, returns
// the 429 to answer with.
func (p *Platform) countRate(w http.ResponseWriter, g rateGroup, who string) *apiError {
	g = p.group(g)
	now := p.now()
	p.mu.Lock()
	rw := p.window(g, who, now)
	rw.used++
	used, start := rw.used, rw.start
	p.mu.Unlock()
	setRateHeaders(w, g, g.limit-used)
	if p.set.enforceRateLimits && used > g.limit {
		wait := start.Add(g.window).Sub(now)
		secs := int64((wait + time.Second - 1) / time.Second)
		return &apiError{status: http.StatusTooManyRequests, code: "CMN-301",
			message: "Request rate exceeded", retryAfter: strconv.FormatInt(max(secs, 1), 10)}
	}
	return nil
}

// rateHeaders writes the headers of group without counting a request (for
// answers given before the caller is known); exhausted reports 0 remaining.
func (p *Platform) rateHeaders(w http.ResponseWriter, g rateGroup, who string, exhausted bool) {
	g = p.group(g)
	if exhausted {
		setRateHeaders(w, g, 0)
		return
	}
	now := p.now()
	p.mu.Lock()
	used := p.window(g, who, now).used
	p.mu.Unlock()
	setRateHeaders(w, g, g.limit-used)
}

func setRateHeaders(w http.ResponseWriter, g rateGroup, remaining int) {
	h := w.Header()
	h.Set("X-Rate-Limit-Group", g.name)
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(g.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(max(remaining, 0)))
	h.Set("X-Rate-Limit-Window", strconv.Itoa(int(g.window/time.Second)))
}
