package fakewsg

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// item is one frame waiting to be written; envelope is set for
// notifications, which go back to the session if never written.
type item struct {
	frame, envelope []byte
	// closeAfter closes the connection with a close frame (reason
	// closeAfter) once the frame is written.
	closeAfter string
}

// wsConn is one accepted connection: its reader is the handler's
// goroutine, plus a writer and a pinger.
type wsConn struct {
	ws         *websocket.Conn
	ctx        context.Context
	cancel     context.CancelFunc
	out        chan item
	writerDone chan struct{}

	mu     sync.Mutex
	spill  []item // frames that did not fit in out
	failed *item  // the frame whose write failed
}

func newWSConn(parent context.Context, ws *websocket.Conn, queue int) *wsConn {
	c := &wsConn{ws: ws, out: make(chan item, queue), writerDone: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(parent)
	return c
}

// enqueue queues it without blocking; a full queue drops the connection
// (the frame is kept for the session) and reports false.
func (c *wsConn) enqueue(it item) bool {
	select {
	case c.out <- it:
		return true
	default:
		c.mu.Lock()
		c.spill = append(c.spill, it)
		c.mu.Unlock()
		c.drop()
		return false
	}
}

// drop closes the TCP connection without a close frame.
func (c *wsConn) drop() {
	c.cancel()
	_ = c.ws.CloseNow()
}

func (c *wsConn) end() { c.drop() }

// unsent returns, in order, the notifications never written. The writer
// must have exited.
func (c *wsConn) unsent() [][]byte {
	var envs [][]byte
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed != nil && c.failed.envelope != nil {
		envs = append(envs, c.failed.envelope)
	}
	for {
		select {
		case it := <-c.out:
			if it.envelope != nil {
				envs = append(envs, it.envelope)
			}
			continue
		default:
		}
		break
	}
	for _, it := range c.spill {
		if it.envelope != nil {
			envs = append(envs, it.envelope)
		}
	}
	c.spill, c.failed = nil, nil
	return envs
}

// writer writes queued frames in order until the connection ends.
func (s *Server) writer(c *wsConn) {
	defer close(c.writerDone)
	for {
		select {
		case <-c.ctx.Done():
			return
		case it := <-c.out:
			if err := c.ws.Write(c.ctx, websocket.MessageText, it.frame); err != nil {
				c.mu.Lock()
				c.failed = &it
				c.mu.Unlock()
				c.end()
				return
			}
			if it.closeAfter != "" {
				_ = c.ws.Close(websocket.StatusNormalClosure, it.closeAfter)
				c.end()
				return
			}
		}
	}
}

// pinger sends protocol pings; the client must be reading to answer.
func (s *Server) pinger(c *wsConn) {
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
		err := c.ws.Ping(ctx)
		cancel()
		if err != nil {
			if c.ctx.Err() == nil {
				s.log.Debug("fakewsg: ping unanswered, dropping the connection", "error", err)
				c.drop()
			}
			return
		}
	}
}

// clientMeta is the first element of a client's frame.
type clientMeta struct {
	Type      string            `json:"type"`
	MessageID string            `json:"messageId"`
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Query     map[string]string `json:"query"`
}

// read handles the client's frames until the connection ends.
func (s *Server) read(c *wsConn, sess *session) {
	for {
		_, data, err := c.ws.Read(c.ctx)
		if err != nil {
			return
		}
		var parts []json.RawMessage
		var m clientMeta
		if json.Unmarshal(data, &parts) != nil || len(parts) == 0 || json.Unmarshal(parts[0], &m) != nil {
			s.log.Debug("fakewsg: malformed frame from client", "bytes", len(data))
			continue
		}
		var body []byte
		if len(parts) > 1 && string(parts[1]) != "null" {
			body = parts[1]
		}
		switch strings.ToLower(m.Type) {
		case "heartbeat":
			s.mu.Lock()
			s.stats.Heartbeats++
			mute := s.mute
			s.mu.Unlock()
			if mute {
				continue
			}
			c.enqueue(item{frame: buildFrame(map[string]any{"type": "Heartbeat", "messageId": m.MessageID}, nil)})
		case "clientrequest":
			s.clientRequest(c, sess, m, body)
		default:
			s.log.Debug("fakewsg: frame of unknown type from client", "type", m.Type)
		}
	}
}

const subscriptionsPath = "/restapi/v1.0/subscription"

func (s *Server) clientRequest(c *wsConn, sess *session, m clientMeta, body []byte) {
	req := Request{Method: strings.ToUpper(m.Method), Path: m.Path, Query: m.Query, Body: body, Session: sess.id}
	s.mu.Lock()
	req.Auth = sess.auth
	s.requests = append(s.requests, req)
	resp, faulted := s.takeFaultLocked(req)
	s.mu.Unlock()
	if !faulted {
		resp = s.cfg.Handle(c.ctx, req)
	}
	if resp.Status == 0 {
		resp.Status = http.StatusOK
	}
	headers := map[string]string{"RCRequestId": newID()}
	for k, v := range resp.Headers {
		headers[k] = v
	}
	if len(resp.Body) > 0 {
		headers["Content-Type"] = "application/json"
	}
	var ended string
	path := strings.TrimSuffix(req.Path, "/")
	if resp.Status/100 == 2 {
		s.mu.Lock()
		switch {
		case req.Method == http.MethodPost && path == subscriptionsPath:
			var info struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(resp.Body, &info) == nil && info.ID != "" {
				// One subscription per session: a new one replaces the old.
				if sess.subID != "" && sess.subID != info.ID {
					ended = sess.subID
					delete(s.bySub, ended)
				}
				sess.subID = info.ID
				s.bySub[info.ID] = sess
				headers["WSG-SubscriptionId"] = info.ID
			}
		case req.Method == http.MethodDelete && sess.subID != "" && path == subscriptionsPath+"/"+sess.subID:
			delete(s.bySub, sess.subID)
			sess.subID = ""
		}
		s.mu.Unlock()
	}
	typ := "ClientRequest"
	if resp.Status/100 != 2 && s.cfg.ErrorFrames {
		typ = "ERROR"
	}
	c.enqueue(item{frame: buildFrame(map[string]any{
		"type": typ, "messageId": m.MessageID, "status": resp.Status, "headers": headers,
	}, resp.Body)})
	if ended != "" {
		s.subscriptionEnded(ended)
	}
}
