package telephony

import (
	"slices"
	"strings"
)

// maxLinks bounds the sessions one call records as linked to it, and
// maxJourneyWalk the calls relabelled when two journeys join: a real
// journey has a handful of sessions.
const (
	maxLinks       = 16
	maxJourneyWalk = 256
)

// callLink is what a call knows of the other sessions of its caller's
// journey. It is allocated only for calls linked to another session.
type callLink struct {
	// journey is the journey's id (see CallSummary.JourneyID).
	journey string
	// linked lists the sessions this one is linked to, in the order the
	// links were seen.
	linked []string
}

// pendingLink records, for a session named as a peer before the tracker
// saw it, the journey it belongs to and the tracked sessions that named it.
type pendingLink struct {
	journey string
	from    []string
}

// journey returns c's journey id: its own id until it is linked.
func (c *call) journey() string {
	if c.link == nil || c.link.journey == "" {
		return c.id
	}
	return c.link.journey
}

// setJourney sets c's journey id to j.
func (c *call) setJourney(j string) {
	if c.link == nil {
		if j == c.id {
			return
		}
		c.link = &callLink{}
	}
	c.link.journey = j
}

// addLinked records that c is linked to the session id.
func (c *call) addLinked(id string) {
	if id == c.id {
		return
	}
	if c.link == nil {
		c.link = &callLink{}
	}
	if len(c.link.linked) < maxLinks && !slices.Contains(c.link.linked, id) {
		c.link.linked = append(c.link.linked, id)
	}
}

// linkPeer records that a party of c names the session peer as where the
// call continues (Status.PeerID): both are linked and share one journey.
func (t *Tracker) linkPeer(c *call, peer string) {
	if peer == "" || peer == c.id {
		return
	}
	if c.link != nil && slices.Contains(c.link.linked, peer) {
		return // already linked: constant work on repeated notifications
	}
	c.addLinked(peer)
	if x := t.calls[peer]; x != nil {
		x.addLinked(c.id)
		t.joinJourneys(c, x.journey())
		return
	}
	if t.peers == nil {
		t.peers = make(map[string]*pendingLink)
	}
	pl := t.peers[peer]
	if pl == nil {
		if t.cfg.maxCalls > 0 && len(t.peers) >= t.cfg.maxCalls {
			return // bounded with the calls
		}
		pl = &pendingLink{journey: c.journey()}
		t.peers[peer] = pl
	} else {
		t.joinJourneys(c, pl.journey)
		pl.journey = c.journey()
	}
	if len(pl.from) < maxLinks {
		pl.from = append(pl.from, c.id)
	}
}

// adoptPending gives the new call c the journey and links recorded for it
// while other sessions named it before it was tracked.
func (t *Tracker) adoptPending(c *call) {
	pl := t.peers[c.id]
	if pl == nil {
		return
	}
	delete(t.peers, c.id)
	for _, id := range pl.from {
		c.addLinked(id)
	}
	c.setJourney(pl.journey)
}

// dropPending forgets the pending links recorded by c, which the tracker
// forgets.
func (t *Tracker) dropPending(c *call) {
	if c.link == nil || len(t.peers) == 0 {
		return
	}
	for _, id := range c.link.linked {
		if pl := t.peers[id]; pl != nil {
			pl.from = slices.DeleteFunc(pl.from, func(s string) bool { return s == c.id })
			if len(pl.from) == 0 {
				delete(t.peers, id)
			}
		}
	}
}

// joinJourneys puts c's journey and the journey j together: the one whose
// first session started first on the server wins (the smaller id when the
// times are equal or unknown), and every tracked call reachable from c
// through links takes it.
func (t *Tracker) joinJourneys(c *call, j string) {
	jc := c.journey()
	if jc == j {
		return
	}
	win, lose := jc, j
	if t.journeyBefore(j, jc) {
		win, lose = j, jc
	}
	seen := map[string]bool{c.id: true}
	queue := []*call{c}
	for n := 0; len(queue) > 0 && n < maxJourneyWalk; n++ {
		x := queue[0]
		queue = queue[1:]
		if xj := x.journey(); xj == lose || xj == win || x == c {
			x.setJourney(win)
		}
		if x.link == nil {
			continue
		}
		for _, id := range x.link.linked {
			if seen[id] {
				continue
			}
			seen[id] = true
			if y := t.calls[id]; y != nil {
				queue = append(queue, y)
			} else if pl := t.peers[id]; pl != nil && pl.journey == lose {
				pl.journey = win
			}
		}
	}
}

// journeyBefore reports whether journey a began before journey b: a's
// first session started earlier on the server, or is no longer tracked
// while b's is (it ended long ago), or, failing both, a's id is smaller.
func (t *Tracker) journeyBefore(a, b string) bool {
	ca, cb := t.calls[a], t.calls[b]
	switch {
	case ca == nil && cb != nil:
		return true
	case ca != nil && cb == nil:
		return false
	case ca != nil && ca.start != 0 && cb.start != 0 && ca.start != cb.start:
		return ca.start < cb.start
	}
	return strings.Compare(a, b) < 0
}

// linkedSessions returns a sorted copy of the sessions c is linked to.
func (c *call) linkedSessions() []string {
	if c.link == nil || len(c.link.linked) == 0 {
		return nil
	}
	out := slices.Clone(c.link.linked)
	slices.Sort(out)
	return out
}
