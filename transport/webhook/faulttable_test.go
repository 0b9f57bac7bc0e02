package webhook_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

// faultRow is one line of the webhook's fault table.
type faultRow struct {
	fault                                           string
	published, delivered, duplicated, refused, gaps int
}

// silent is what was lost without a Gap to say so.
func (r faultRow) silent() int {
	if r.gaps > 0 {
		return 0
	}
	return r.published - r.delivered
}

// tally reads events until cond holds (5 s at most), counting the
// notifications (by uuid) and the gaps.
type tally struct {
	seen map[string]bool
	gaps int
}

func (ta *tally) read(t *testing.T, e *e2e, what string, cond func() bool) {
	t.Helper()
	if ta.seen == nil {
		ta.seen = map[string]bool{}
	}
	deadline := time.After(5 * time.Second)
	for !cond() {
		select {
		case ev, ok := <-e.sub.Events():
			if !ok {
				t.Fatalf("events closed: %v", e.sub.Err())
			}
			switch x := ev.(type) {
			case *notify.PresenceEvent:
				ta.seen[x.UUID] = true
			case *notify.TelephonyEvent:
				ta.seen[x.UUID] = true
			case *notify.Gap:
				ta.gaps++
			}
		case <-deadline:
			t.Fatalf("%s: not within 5s (delivered %d, gaps %d)", what, len(ta.seen), ta.gaps)
		}
	}
}

// quiet reads events for d and fails on any Gap.
func (ta *tally) quiet(t *testing.T, e *e2e, d time.Duration) {
	t.Helper()
	end := time.After(d)
	for {
		select {
		case ev, ok := <-e.sub.Events():
			if !ok {
				t.Fatalf("events closed: %v", e.sub.Err())
			}
			switch x := ev.(type) {
			case *notify.PresenceEvent:
				ta.seen[x.UUID] = true
			case *notify.TelephonyEvent:
				ta.seen[x.UUID] = true
			case *notify.Gap:
				t.Errorf("one more gap: %+v", x)
				ta.gaps++
			}
		case <-end:
			return
		}
	}
}

// The webhook's line of the fault table: for each fault the fake platform
// can inject, what was published, delivered to the consumer, dropped as a
// duplicate, refused with 503, and reported as a Gap. Nothing is lost
// silently: whatever is not delivered is covered by a Gap.
func TestFaultTable(t *testing.T) {
	var rows []faultRow
	run := func(name string, f func(t *testing.T) faultRow) {
		t.Run(name, func(t *testing.T) {
			r := f(t)
			r.fault = name
			rows = append(rows, r)
			if r.silent() != 0 {
				t.Errorf("%s: %d notifications lost without a Gap", name, r.silent())
			}
		})
	}

	run("duplicate deliveries", func(t *testing.T) faultRow {
		e := startE2E(t)
		e.p.DuplicateWebhooks(2)
		for seq := int64(1); seq <= 4; seq++ {
			e.publishPresence(t, seq)
		}
		var ta tally
		ta.read(t, e, "4 notifications", func() bool { return len(ta.seen) == 4 })
		waitE2E(t, "the duplicates", func() bool { return e.sub.Stats().Duplicates == 2 })
		ta.quiet(t, e, 50*time.Millisecond)
		return faultRow{published: 4, delivered: len(ta.seen), duplicated: int(e.sub.Stats().Duplicates), gaps: ta.gaps}
	})

	run("reordered deliveries", func(t *testing.T) faultRow {
		e := startE2E(t)
		e.p.ReorderWebhooks(2)
		for seq := int64(1); seq <= 4; seq++ {
			e.publishPresence(t, seq)
		}
		var ta tally
		ta.read(t, e, "4 notifications", func() bool { return len(ta.seen) == 4 })
		ta.quiet(t, e, 50*time.Millisecond)
		return faultRow{published: 4, delivered: len(ta.seen), gaps: ta.gaps}
	})

	run("blacklist + recreate", func(t *testing.T) faultRow {
		e := startE2E(t, webhook.WithCheckInterval(20*time.Millisecond))
		e.p.SetWebhookFailureLimit(3)
		first := e.tr.SubscriptionID()
		var ta tally
		e.publishPresence(t, 1)
		ta.read(t, e, "the first", func() bool { return len(ta.seen) == 1 })
		e.broken.Store(true)
		for seq := int64(2); seq <= 4; seq++ {
			e.publishPresence(t, seq)
		}
		waitE2E(t, "blacklisting", func() bool { st, _ := e.p.WebhookStats(first); return st.Blacklisted })
		e.broken.Store(false)
		ta.read(t, e, "the gap", func() bool { return ta.gaps == 1 })
		for seq := int64(5); seq <= 7; seq++ {
			e.publishPresence(t, seq)
		}
		ta.read(t, e, "after recovery", func() bool { return len(ta.seen) == 4 })
		ta.quiet(t, e, 50*time.Millisecond)
		return faultRow{published: 7, delivered: len(ta.seen), gaps: ta.gaps}
	})

	run("503 refusals, consumer slow", func(t *testing.T) faultRow {
		e := startE2EFull(t, nil, nil, []notify.Option{notify.WithBufferSize(1)},
			webhook.WithRefusalGapDelay(500*time.Millisecond),
			webhook.WithHandlerOptions(webhook.WithMaxWait(20*time.Millisecond)))
		e.p.SetWebhookFailureLimit(1000)
		id := e.tr.SubscriptionID()
		// Nobody reads while 8 notifications are posted.
		for seq := int64(1); seq <= 8; seq++ {
			e.publishPresence(t, seq)
		}
		waitE2E(t, "the deliveries", func() bool { st, _ := e.p.WebhookStats(id); return st.Delivered+st.Failed == 8 })
		st, _ := e.p.WebhookStats(id)
		var ta tally
		ta.read(t, e, "the accepted and the gap", func() bool { return len(ta.seen) == st.Delivered && ta.gaps == 1 })
		ta.quiet(t, e, 700*time.Millisecond)
		refused := int(e.tr.Stats().Handler.Unavailable)
		if refused != st.Failed || refused == 0 {
			t.Errorf("%d refused by the Handler, %d failed deliveries", refused, st.Failed)
		}
		return faultRow{published: 8, delivered: len(ta.seen), refused: refused, gaps: ta.gaps}
	})

	run("resync slow during deliveries", func(t *testing.T) faultRow {
		rest := newSlowREST()
		e := startE2EFull(t, nil, nil,
			[]notify.Option{notify.WithCallTracking(notify.ResyncFrom(rest, nil), notify.ResyncRetry(1, 0, 0))},
			webhook.WithCheckInterval(20*time.Millisecond))
		t.Cleanup(rest.release)
		var ta tally
		e.publishSession(t, "s-1", telephony.Proceeding)
		ta.read(t, e, "the call", func() bool { return len(ta.seen) == 1 })
		rest.set(telephony.Session{TelephonySessionID: "s-1", Parties: []telephony.Party{{ID: "s-1-p1", Direction: "Inbound", Status: telephony.Status{Code: telephony.Answered}}}})
		rest.armed.Store(true)
		e.p.SetWebhookFailureLimit(1)
		e.broken.Store(true)
		e.publishPresence(t, 1) // lost: the webhook fails, and is blacklisted
		rest.waitEntered(t)
		e.broken.Store(false)
		id := e.tr.SubscriptionID()
		for seq := int64(2); seq <= 4; seq++ {
			e.publishPresence(t, seq)
		}
		// RingCentral counts all three as delivered while the resync
		// still reads.
		waitE2E(t, "the deliveries", func() bool { st, _ := e.p.WebhookStats(id); return st.Delivered == 3 })
		if st, _ := e.p.WebhookStats(id); st.Failed != 0 {
			t.Errorf("deliveries during the resync: %+v", st)
		}
		rest.release()
		ta.read(t, e, "the gap and the rest", func() bool { return len(ta.seen) == 4 && ta.gaps == 1 })
		ta.quiet(t, e, 50*time.Millisecond)
		return faultRow{published: 5, delivered: len(ta.seen), gaps: ta.gaps}
	})

	var b strings.Builder
	fmt.Fprintf(&b, "\n%-32s %9s %9s %10s %12s %4s %11s\n", "fault (webhook)", "published", "delivered", "duplicated", "refused(503)", "gaps", "silent loss")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-32s %9d %9d %10d %12d %4d %11d\n", r.fault, r.published, r.delivered, r.duplicated, r.refused, r.gaps, r.silent())
	}
	t.Log(b.String())
}
