package relay

import (
	"context"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport"
)

// TestMembersShareAndHandOver: a second member gets half the partitions
// from the first; when it closes, it gives them back at once (well within
// the lease TTL), and the first goes on with the calls where it left them.
func TestMembersShareAndHandOver(t *testing.T) {
	leakcheck.Check(t)
	srv := startNATS(t)
	const ttl = 3 * time.Second
	opts := []Option{WithPartitions(4), WithPartitionTTL(ttl)}
	nc := connect(t, srv.URL())
	pub, err := NewPublisher(context.Background(), nc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	a := newMemberUnit(t, srv.URL(), opts...)
	waitFor(t, 10*time.Second, "a to hold every partition", func() bool { return len(a.m.Partitions()) == 4 })
	b := newMemberUnit(t, srv.URL(), opts...)
	waitFor(t, 15*time.Second, "the partitions to be shared", func() bool {
		return len(a.m.Partitions()) == 2 && len(b.m.Partitions()) == 2
	})
	if a.m.Stats().Releases != 2 {
		t.Fatalf("a: %+v, want 2 partitions given back", a.m.Stats())
	}
	// One call per partition, answered.
	calls := map[int]string{}
	for i := 0; len(calls) < 4; i++ {
		id := "s-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		if p := partitionOf(kindCall, id, 4); calls[p] == "" {
			calls[p] = id
		}
	}
	for _, id := range calls {
		for seq, code := range []string{"Setup", "Answered"} {
			if err := pub.Deliver(context.Background(), transport.Message{Data: note(id+code, id, seq+1, code)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	total := func() int {
		x, _ := a.col.snapshot()
		y, _ := b.col.snapshot()
		return len(x) + len(y)
	}
	waitFor(t, 10*time.Second, "8 changes", func() bool { return total() == 8 })

	closed := time.Now()
	b.sub.Close()
	waitFor(t, ttl, "a to hold every partition again", func() bool { return len(a.m.Partitions()) == 4 })
	if d := time.Since(closed); d >= ttl {
		t.Fatalf("hand-over took %v, the lease TTL is %v", d, ttl)
	}
	for _, id := range calls {
		if err := pub.Deliver(context.Background(), transport.Message{Data: note(id+"end", id, 3, "Disconnected")}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "the four calls to end on a", func() bool {
		ch, _ := a.col.snapshot()
		n := 0
		for _, c := range ch {
			if c.CallEnded {
				n++
				if c.From != "Answered" {
					t.Errorf("call %s ended from %q: the state was not carried over", c.TelephonySessionID, c.From)
				}
			}
		}
		return n == 4
	})
	if st := a.m.Stats(); st.Replayed == 0 {
		t.Fatalf("a: %+v, want the taken-back partitions replayed", st)
	}
}
