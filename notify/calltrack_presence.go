package notify

import (
	"context"

	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
)

// Presence returns the presence tracker of the subscription's call
// tracking (WithCallTracking), or nil if it has none. Its State gives the
// merged presence of an extension; it is safe for use from any goroutine.
func (s *Subscription) Presence() *presence.Tracker {
	if s.tracker == nil {
		return nil
	}
	return s.tracker.pres
}

// applyPresence applies a presence notification. A body without an
// extension id (some variants) takes it from the event filter.
func (c *callTracker) applyPresence(e *PresenceEvent) *presence.Change {
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
func (c *callTracker) reconcilePresence(infos []*presence.Info) []presence.Change {
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
func (c *callTracker) emitPresence(ctx context.Context, h *Header, changes []presence.Change, resync bool) error {
	for i := range changes {
		if err := c.emit(ctx, &PresenceChange{Header: *h, Change: changes[i], Resync: resync}); err != nil {
			return err
		}
	}
	return nil
}
