// Package fakepubnub is a loopback PubNub server for tests: enough of the
// subscribe long-poll protocol that github.com/pubnub/go/v7 v7.4.0 talks to
// it (the v2 subscribe long-poll with its timetoken cursor, and publish),
// with fault injection.
//
// Serve it with httptest.NewServer and point the SDK at it with
// Config.Origin set to the listener's host:port and Config.Secure false.
// Call Close before closing the httptest server: it releases held polls,
// which httptest.Server.Close would otherwise wait for.
package fakepubnub

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultHoldMax is how long an idle long-poll is held: far below the SDK's
// 310 s subscribe timeout, whose expiry stops the SDK's loop for good.
const DefaultHoldMax = 2 * time.Second

// firstTimetoken is where timetokens start: PubNub's are 17-digit
// ten-microsecond clock readings, and the fake keeps that shape.
const firstTimetoken int64 = 17000000000000000

// keep bounds the messages kept per channel for catch-up polls.
const keep = 1000

// Request is one request the server received. Requests are logged in the
// order they arrived, each when it arrives: a held long-poll is in the log
// before it is answered, and a cancelled poll of an old client cannot be
// logged after the first poll of its successor.
type Request struct {
	// Path is the URL path, e.g. /v2/subscribe/{sub_key}/{channels}/0.
	Path string
	// Query is the parsed query string.
	Query url.Values
	// Status is the status the server answered with, or 0 while the
	// request is still being served (a held long-poll).
	Status int
}

type message struct {
	tt      int64
	channel string
	data    json.RawMessage
}

// Server is a fake PubNub origin. It is an http.Handler; the zero value is
// not usable, use New.
type Server struct {
	mu       sync.Mutex
	holdMax  time.Duration
	tt       int64
	messages map[string][]message // by channel, ascending tt
	fail     []int                // statuses for the next polls
	wake     chan struct{}        // closed and replaced on every change
	closed   bool
	done     chan struct{}
	log      []Request
}

// New returns a server that accepts any subscribe key.
func New() *Server {
	return &Server{
		holdMax:  DefaultHoldMax,
		tt:       firstTimetoken,
		messages: map[string][]message{},
		wake:     make(chan struct{}),
		done:     make(chan struct{}),
	}
}

// SetHoldMax sets how long an idle long-poll is held before the server
// answers with no messages.
func (s *Server) SetHoldMax(d time.Duration) {
	s.mu.Lock()
	s.holdMax = d
	s.mu.Unlock()
}

// Publish stores payload (marshalled to JSON; a string stays a JSON string,
// a json.RawMessage is sent as is) on channel, releases the held polls and
// returns the message's timetoken. It panics only if payload cannot be
// marshalled, which is a bug in the test.
func (s *Server) Publish(channel string, payload any) int64 {
	data, err := json.Marshal(payload)
	if err != nil {
		panic("fakepubnub: Publish: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tt += 10000
	ms := append(s.messages[channel], message{tt: s.tt, channel: channel, data: data})
	if len(ms) > keep {
		ms = ms[len(ms)-keep:]
	}
	s.messages[channel] = ms
	s.wakeLocked()
	return s.tt
}

// FailNextPoll makes the next long-poll (a subscribe request with a
// timetoken, including one held now) fail with status. Calls queue up.
func (s *Server) FailNextPoll(status int) {
	s.mu.Lock()
	s.fail = append(s.fail, status)
	s.wakeLocked()
	s.mu.Unlock()
}

// Timetoken returns the newest timetoken issued.
func (s *Server) Timetoken() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tt
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	copy(out, s.log)
	return out
}

// Close releases every held poll and makes later requests fail with 503.
// It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
}

func (s *Server) wakeLocked() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// ServeHTTP implements http.Handler. It logs the request on arrival and
// fills in its status once answered.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := len(s.log)
	s.log = append(s.log, Request{Path: r.URL.Path, Query: r.URL.Query()})
	s.mu.Unlock()
	status := s.serve(w, r)
	s.mu.Lock()
	s.log[i].Status = status
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) int {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return writeError(w, http.StatusServiceUnavailable)
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 5 && parts[0] == "v2" && parts[1] == "subscribe" && parts[4] == "0":
		return s.subscribe(w, r, strings.Split(parts[3], ","))
	case len(parts) == 7 && parts[0] == "v2" && parts[1] == "presence" && parts[6] == "leave":
		return writeJSON(w, http.StatusOK, map[string]any{"status": 200, "message": "OK", "action": "leave", "service": "Presence"})
	case len(parts) == 2 && parts[0] == "time" && parts[1] == "0":
		return writeJSON(w, http.StatusOK, []int64{s.Timetoken()})
	}
	return writeError(w, http.StatusNotFound)
}

type envelope struct {
	T meta      `json:"t"`
	M []wireMsg `json:"m"`
}

type meta struct {
	T string `json:"t"`
	R int    `json:"r"`
}

type wireMsg struct {
	A string          `json:"a"`
	F int             `json:"f"`
	I string          `json:"i"`
	P meta            `json:"p"`
	K string          `json:"k"`
	C string          `json:"c"`
	D json.RawMessage `json:"d"`
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, channels []string) int {
	q := r.URL.Query()
	subKey := strings.Split(strings.Trim(r.URL.Path, "/"), "/")[2]
	tt, _ := strconv.ParseInt(q.Get("tt"), 10, 64)
	if tt <= 0 {
		// Handshake: the current timetoken and no messages, at once.
		return writeJSON(w, http.StatusOK, envelope{T: meta{T: strconv.FormatInt(s.Timetoken(), 10), R: 1}, M: []wireMsg{}})
	}
	s.mu.Lock()
	hold := time.NewTimer(s.holdMax)
	s.mu.Unlock()
	defer hold.Stop()
	for {
		s.mu.Lock()
		if len(s.fail) > 0 {
			status := s.fail[0]
			s.fail = s.fail[1:]
			s.mu.Unlock()
			return writeError(w, status)
		}
		var out []wireMsg
		newest := tt
		for _, ch := range channels {
			for _, m := range s.messages[ch] {
				if m.tt > tt {
					out = append(out, wireMsg{A: "4", I: "fakepubnub", P: meta{T: strconv.FormatInt(m.tt, 10), R: 1}, K: subKey, C: m.channel, D: m.data})
					newest = max(newest, m.tt)
				}
			}
		}
		wake, done := s.wake, s.done
		s.mu.Unlock()
		if len(out) > 0 {
			sortByTimetoken(out)
			return writeJSON(w, http.StatusOK, envelope{T: meta{T: strconv.FormatInt(newest, 10), R: 1}, M: out})
		}
		select {
		case <-wake:
		case <-hold.C:
			return writeJSON(w, http.StatusOK, envelope{T: meta{T: strconv.FormatInt(tt, 10), R: 1}, M: []wireMsg{}})
		case <-done:
			return writeError(w, http.StatusServiceUnavailable)
		case <-r.Context().Done():
			return 499 // client gone; nothing is written
		}
	}
}

func sortByTimetoken(ms []wireMsg) {
	// Timetokens have the same number of digits, so strings order like the
	// numbers; insertion sort, as polls carry few messages.
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].P.T < ms[j-1].P.T; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}

func writeError(w http.ResponseWriter, status int) int {
	return writeJSON(w, status, map[string]any{"status": status, "error": true, "message": http.StatusText(status), "service": "fakepubnub"})
}
