package fakewsg

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// store is the built-in subscription store used when Config.Handle is nil:
// enough of the Subscription API for a transport's tests.
type store struct {
	now  func() time.Time
	mu   sync.Mutex
	subs map[string]storeSub
}

type storeSub struct {
	Filters []string
	Created time.Time
}

func newStore(now func() time.Time) *store { return &store{now: now, subs: map[string]storeSub{}} }

func (st *store) remove(id string) {
	st.mu.Lock()
	delete(st.subs, id)
	st.mu.Unlock()
}

func errorResponse(status int, code, msg string) Response {
	return Response{Status: status, Body: mustJSON(map[string]any{
		"errorCode": code, "message": msg,
		"errors": []map[string]string{{"errorCode": code, "message": msg}},
	})}
}

func (st *store) info(id string, s storeSub) []byte {
	exp := st.now().Add(24 * time.Hour)
	return mustJSON(map[string]any{
		"uri": subscriptionsPath + "/" + id, "id": id, "status": "Active",
		"creationTime":   s.Created.UTC().Format("2006-01-02T15:04:05.000Z"),
		"expirationTime": exp.UTC().Format("2006-01-02T15:04:05.000Z"),
		"expiresIn":      int(time.Until(exp) / time.Second),
		"eventFilters":   s.Filters,
		"deliveryMode":   map[string]any{"transportType": "WebSocket", "encryption": false},
	})
}

func (st *store) handle(_ context.Context, r Request) Response {
	path := strings.TrimSuffix(r.Path, "/")
	st.mu.Lock()
	defer st.mu.Unlock()
	if path == subscriptionsPath && r.Method == http.MethodPost {
		var b struct {
			EventFilters []string `json:"eventFilters"`
			DeliveryMode struct {
				TransportType string `json:"transportType"`
			} `json:"deliveryMode"`
		}
		if json.Unmarshal(r.Body, &b) != nil || len(b.EventFilters) == 0 {
			return errorResponse(http.StatusBadRequest, "SUB-400", "Event filters are required")
		}
		if b.DeliveryMode.TransportType != "WebSocket" {
			return errorResponse(http.StatusBadRequest, "SUB-521", "Invalid transport type for a WebSocket subscription")
		}
		id := newID()
		s := storeSub{Filters: b.EventFilters, Created: st.now()}
		st.subs[id] = s
		return Response{Status: http.StatusOK, Body: st.info(id, s)}
	}
	id, ok := strings.CutPrefix(path, subscriptionsPath+"/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return errorResponse(http.StatusNotFound, "CMN-120", "Invalid URI")
	}
	s, ok := st.subs[id]
	if !ok {
		return errorResponse(http.StatusNotFound, "CMN-102", "Resource for parameter [subscriptionId] is not found")
	}
	switch r.Method {
	case http.MethodGet:
		return Response{Status: http.StatusOK, Body: st.info(id, s)}
	case http.MethodPut:
		var b struct {
			EventFilters []string `json:"eventFilters"`
		}
		if json.Unmarshal(r.Body, &b) == nil && len(b.EventFilters) > 0 {
			s.Filters = b.EventFilters
			st.subs[id] = s
		}
		return Response{Status: http.StatusOK, Body: st.info(id, s)}
	case http.MethodDelete:
		delete(st.subs, id)
		return Response{Status: http.StatusNoContent}
	}
	return errorResponse(http.StatusMethodNotAllowed, "CMN-405", "Method not allowed")
}

// ActiveSubscriptions returns the ids in the built-in store (nil when
// Config.Handle is set).
func (s *Server) ActiveSubscriptions() []string {
	if s.store == nil {
		return nil
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	ids := make([]string, 0, len(s.store.subs))
	for id := range s.store.subs {
		ids = append(ids, id)
	}
	return ids
}
