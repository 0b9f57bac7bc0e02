package relay

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
)

// TestGroupKillMemberAndReceiver runs the relay as a deployment does:
// three webhook receivers behind a round-robin front, three members, a
// mix of 500 calls from the fake platform with duplicated webhook
// deliveries and duplicate receivers; one member and one receiver are
// killed mid-stream. Every call change is reported exactly once across the
// members, in sequence order per party, each call ends once, and the
// changes equal those of a single process over the same notifications.
func TestGroupKillMemberAndReceiver(t *testing.T) {
	if testing.Short() {
		t.Skip("500 calls")
	}
	leakcheck.Check(t)
	srv := startNATS(t)
	p := notifytest.NewPlatform()
	t.Cleanup(p.Close)
	opts := []Option{WithPartitions(4), WithPartitionTTL(1500 * time.Millisecond)}

	var recvs []*receiver
	for range 3 {
		recvs = append(recvs, newReceiver(t, srv.URL(), opts...))
	}
	fr := newFront(t, recvs)
	fr.dupEvery = 7
	var units []*memberUnit
	for range 3 {
		units = append(units, newMemberUnit(t, srv.URL(), opts...))
	}
	// The members share the partitions: 2, 1, 1.
	waitFor(t, 15*time.Second, "the partitions to be shared", func() bool {
		n := 0
		for _, u := range units {
			k := len(u.m.Partitions())
			if k == 0 {
				return false
			}
			n += k
		}
		return n == 4
	})
	info := createWebhook(t, p, fr.srv.URL, subscription.AccountTelephonySessions())
	p.DuplicateWebhooks(200)

	// No partition is ever consumed by two members at once.
	stopWatch := make(chan struct{})
	watchDone := make(chan []string)
	go func() {
		var overlaps []string
		defer func() { watchDone <- overlaps }()
		for {
			select {
			case <-stopWatch:
				return
			case <-time.After(5 * time.Millisecond):
			}
			holder := map[int]int{}
			for i, u := range units {
				for _, p := range u.m.Partitions() {
					if j, ok := holder[p]; ok {
						overlaps = append(overlaps, fmt.Sprintf("partition %d held by members %d and %d", p, j, i))
					}
					holder[p] = i
				}
			}
		}
	}()

	const calls = 500
	mixDone := make(chan error, 1)
	go func() {
		_, err := p.RunMix(context.Background(), notifytest.MixOptions{Concurrency: 16, Calls: calls, Seed: 15})
		mixDone <- err
	}()
	total := func() int {
		n := 0
		for _, u := range units {
			ch, _ := u.col.snapshot()
			n += len(ch)
		}
		return n
	}
	waitFor(t, 60*time.Second, "changes mid-stream", func() bool { return total() > 1500 })
	victim := units[0]
	if len(victim.m.Partitions()) == 0 {
		victim = units[1]
	}
	victim.m.kill()
	// The receiver dies; the front finds out by its refused connections
	// and passes each request to the next receiver.
	recvs[1].srv.Close()
	<-victim.col.done // what the dead member reported is all it will

	if err := <-mixDone; err != nil {
		t.Fatal(err)
	}
	nc := connect(t, srv.URL())
	defer func() {
		close(stopWatch)
		for _, o := range <-watchDone {
			t.Error(o)
		}
	}()
	// The platform delivers webhooks after RunMix returns: wait until its
	// deliveries have stopped and the members have consumed everything.
	var last notifytest.WebhookStats
	stable := 0
	waitFor(t, 60*time.Second, "every notification to be delivered and consumed", func() bool {
		time.Sleep(50 * time.Millisecond)
		ws, _ := p.WebhookStats(info.ID)
		if ws != last {
			last, stable = ws, 0
			return false
		}
		stable++
		return stable >= 10 && drained(t, nc, DefaultStream, 4)
	})
	if last.Failed != 0 || last.Dropped != 0 {
		t.Errorf("webhook deliveries: %+v", last)
	}

	// The reference: one process over the stream's notifications.
	var notes [][]byte
	for _, msg := range streamMessages(t, nc, DefaultStream) {
		if isGapMarker(msg.Headers()) {
			continue
		}
		notes = append(notes, msg.Data())
		// The partition the server chose is the one partitionOf computes.
		_, kind, key, err := envelopeKey(msg.Data())
		if want := (subjects{DefaultSubjectPrefix}).partition(partitionOf(kind, key, 4)); err != nil || msg.Subject() != want {
			t.Fatalf("stored on %s, partitionOf says %s (%v)", msg.Subject(), want, err)
		}
	}
	want := map[string]int{}
	for _, c := range singleProcess(t, notes) {
		want[changeKey(c)]++
	}

	got := map[string]int{}
	who := map[string][]int{}
	ended := map[string]int{}
	for i, u := range units {
		if u != victim {
			u.sub.Close()
			<-u.col.done
		}
		ch, gaps := u.col.snapshot()
		if gaps != 0 {
			t.Errorf("member %d reported %d gaps", i, gaps)
		}
		last := map[string]int64{}
		for _, c := range ch {
			got[changeKey(c)]++
			who[changeKey(c)] = append(who[changeKey(c)], i)
			k := c.TelephonySessionID + "/" + c.PartyID
			if c.Sequence < last[k] {
				t.Errorf("member %d: party %s: sequence %d after %d", i, k, c.Sequence, last[k])
			}
			last[k] = c.Sequence
			if c.CallEnded {
				ended[c.TelephonySessionID]++
			}
		}
		st := u.m.Stats()
		t.Logf("member %d: %+v, %d changes", i, st, len(ch))
	}
	for i, r := range recvs {
		t.Logf("receiver %d: %+v", i, r.pub.Stats())
	}
	t.Logf("front: %d duplicate receivers; %d notifications in the stream; %d changes", fr.dups.Load(), len(notes), len(want))

	for _, k := range sortedKeys(got) {
		if got[k] != 1 {
			t.Errorf("change reported %d times (members %v): %s", got[k], who[k], k)
		}
		if want[k] == 0 {
			t.Errorf("change not in the single-process run: %s", k)
		}
	}
	for _, k := range sortedKeys(want) {
		if got[k] == 0 {
			t.Errorf("change missing: %s", k)
		}
	}
	for id, n := range ended {
		if n != 1 {
			t.Errorf("call %s ended %d times", id, n)
		}
	}
	if len(ended) < calls {
		t.Errorf("%d calls ended, want at least %d", len(ended), calls)
	}
	var dups uint64
	for _, r := range recvs {
		dups += r.pub.Stats().Duplicates
	}
	if dups == 0 || fr.dups.Load() == 0 {
		t.Errorf("no duplicates exercised: %d dropped by JetStream, %d duplicate receivers", dups, fr.dups.Load())
	}
	if victim.m.Stats().Delivered == 0 {
		t.Error("the killed member had delivered nothing")
	}
	var replayed uint64
	for _, u := range units {
		if u != victim {
			replayed += u.m.Stats().Replayed
		}
	}
	if replayed == 0 {
		t.Error("the victim's partitions were taken over without a replay")
	}
}
