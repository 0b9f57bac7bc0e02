package notify

import (
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
)

// Presence returns the presence tracker of the subscription's call
// tracking (WithCallTracking), or nil if it has none. Its State gives the
// merged presence of an extension; it is safe for use from any goroutine.
func (s *Subscription) Presence() *presence.Tracker {
	for _, st := range s.stages {
		if c, ok := st.(*callStage); ok {
			return c.pres
		}
	}
	return nil
}

// applyPresence applies a presence notification. A body without an
// extension id (some variants) takes it from the event filter.
func (c *callStage) applyPresence(e *PresenceEvent) *presence.Change {
	body := &e.Body
	if body.ExtensionID == "" {
		f, err := subscription.ParseFilter(e.Event)
		if err != nil || f.ExtensionID == "" || f.ExtensionID == "~" {
			return c.pres.Apply(body) // counted as ignored
		}
		cp := *body
		cp.ExtensionID = f.ExtensionID
		body = &cp
	}
	return c.pres.Apply(body)
}

// reconcilePresence applies the presence a resync read to the extensions
// the tracker already follows; the others are not subscribed to, and
// reporting them would be noise.
func (c *callStage) reconcilePresence(infos []*presence.Info) []presence.Change {
	var known []presence.Info
	for _, info := range infos {
		if _, ok := c.pres.State(info.ExtensionID); ok && info.ExtensionID != "" {
			known = append(known, *info)
		}
	}
	if len(known) == 0 {
		return nil
	}
	return c.pres.Reconcile(known)
}

// emitPresence emits changes, each with a copy of h.
func (c *callStage) emitPresence(h *Header, changes []presence.Change, resync bool, emit func(Event) error) error {
	for i := range changes {
		if err := emit(&PresenceChange{Header: *h, Change: changes[i], Resync: resync}); err != nil {
			return err
		}
	}
	return nil
}
