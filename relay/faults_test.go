package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/relay/embedded"
	"github.com/ringwatch/ringwatch/transport"
)

// note is a telephony-session notification of one party.
func note(uuid, session string, seq int, code string) []byte {
	return fmt.Appendf(nil, `{"uuid":%q,"event":"/restapi/v1.0/account/1/telephony/sessions","timestamp":"2026-01-01T00:00:00.000Z",`+
		`"subscriptionId":"sub-1","ownerId":"1","body":{"sequence":%d,"sessionId":"1","telephonySessionId":%q,"serverId":"x",`+
		`"eventTime":"2026-01-01T00:00:%02d.000Z","origin":{"type":"Call"},"parties":[{"accountId":"1","extensionId":"1","id":"p-1",`+
		`"direction":"Inbound","to":{"phoneNumber":"+15550001","extensionId":"1"},"from":{"phoneNumber":"+15550002"},`+
		`"status":{"code":%q},"missedCall":false,"standAlone":false,"muted":false}]}}`, uuid, seq, session, seq, code)
}

// post sends a notification to a webhook receiver as RingCentral does.
func post(t testing.TB, url string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Verification-Token", testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestUnreachable(t *testing.T) {
	leakcheck.Check(t)
	if _, err := Connect("nats://127.0.0.1:1"); !errors.Is(err, ErrUnreachable) || strings.Count(err.Error(), "relay: ") != 1 {
		t.Fatalf("Connect: %v", err)
	}
	ctx := context.Background()
	if _, err := NewPublisher(ctx, nil); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("NewPublisher(nil): %v", err)
	}
	srv := startNATS(t)
	nc := connect(t, srv.URL())
	nc.Close()
	if _, err := NewPublisher(ctx, nc); !errors.Is(err, ErrUnreachable) || !strings.HasPrefix(err.Error(), "relay: new publisher: NATS unreachable: ") {
		t.Fatalf("NewPublisher(closed): %v", err)
	}
	if _, err := NewMember(ctx, nc); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("NewMember(closed): %v", err)
	}
}

func TestPartitionsFixed(t *testing.T) {
	leakcheck.Check(t)
	srv := startNATS(t)
	nc := connect(t, srv.URL())
	ctx := context.Background()
	pub, err := NewPublisher(ctx, nc, WithPartitions(3))
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if _, err := NewMember(ctx, nc, WithPartitions(2)); !errors.Is(err, ErrPartitions) {
		t.Fatalf("NewMember with other partitions: %v", err)
	}
	m, err := NewMember(ctx, nc)
	if err != nil || m.parts != 3 || pub.Partitions() != 3 {
		t.Fatalf("NewMember: %v", err)
	}
	if _, err := NewPublisher(ctx, nc, WithStream("bad name")); !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("bad stream name: %v", err)
	}
}

// TestPoisonMessage: a message in a partition that is not a notification
// is terminated, counted, and the partition goes on.
func TestPoisonMessage(t *testing.T) {
	leakcheck.Check(t)
	srv := startNATS(t)
	opts := []Option{WithPartitions(1), WithPartitionTTL(time.Second)}
	u := newMemberUnit(t, srv.URL(), opts...)
	nc := connect(t, srv.URL())
	pub, err := NewPublisher(context.Background(), nc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	// Straight onto the stream's subject, past the Publisher.
	if _, err := jetstreamPublish(nc, DefaultSubjectPrefix+".in.call.s-1", []byte("not json {")); err != nil {
		t.Fatal(err)
	}
	for i, code := range []string{"Setup", "Answered", "Disconnected"} {
		if err := pub.Deliver(context.Background(), transport.Message{Data: note(fmt.Sprint("u", i), "s-1", i+1, code)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "the call's end", func() bool {
		ch, _ := u.col.snapshot()
		return len(ch) > 0 && ch[len(ch)-1].CallEnded
	})
	if st := u.m.Stats(); st.Poison != 1 || st.Delivered != 3 {
		t.Fatalf("stats %+v, want 1 poison and 3 delivered", st)
	}
	if st := pub.Stats(); st.Published != 3 {
		t.Fatalf("publisher %+v", st)
	}
}

// jetstreamPublish publishes data on subject as a plain NATS request, as
// a foreign publisher would, and waits for the stream's acknowledgement.
func jetstreamPublish(nc *nats.Conn, subject string, data []byte) (*nats.Msg, error) {
	return nc.Request(subject, data, 2*time.Second)
}

// TestNATSLostMidStream: with the server gone, a receiver answers 503 and
// the member reports Reconnecting; with it back, the member resumes where
// it was, reports Recovered, and the Gap the receiver's refusals left.
func TestNATSLostMidStream(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	srv, err := embedded.Start(embedded.WithStoreDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	port := srv.Port()
	defer func() { srv.Shutdown() }()
	opts := []Option{WithPartitions(2), WithPartitionTTL(1500 * time.Millisecond)}
	r := newReceiver(t, srv.URL(), opts...)
	u := newMemberUnit(t, srv.URL(), opts...)
	waitFor(t, 10*time.Second, "the member to hold the partitions", func() bool { return len(u.m.Partitions()) == 2 })

	if got := post(t, r.srv.URL, note("a1", "s-a", 1, "Setup")); got != http.StatusOK {
		t.Fatalf("before the loss: %d", got)
	}
	waitFor(t, 10*time.Second, "the first notification", func() bool { return u.m.Stats().Delivered == 1 })

	srv.Shutdown()
	if got := post(t, r.srv.URL, note("a2", "s-a", 2, "Answered")); got != http.StatusServiceUnavailable {
		t.Fatalf("with NATS gone: %d, want 503", got)
	}
	if r.pub.Stats().Refused == 0 || r.h.Stats().Unavailable == 0 {
		t.Fatalf("refusal not counted: %+v %+v", r.pub.Stats(), r.h.Stats())
	}
	waitFor(t, 10*time.Second, "Reconnecting", func() bool { return u.col.count(isReconnecting) > 0 })

	srv, err = embedded.Start(embedded.WithStoreDir(dir), embedded.WithPort(port))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the receiver to accept again", func() bool {
		return post(t, r.srv.URL, note("a3", "s-a", 3, "Disconnected")) == http.StatusOK
	})
	waitFor(t, 15*time.Second, "the member to resume", func() bool {
		ch, _ := u.col.snapshot()
		return len(ch) > 0 && ch[len(ch)-1].CallEnded
	})
	waitFor(t, 15*time.Second, "Recovered and the refusals' Gap", func() bool {
		return u.col.count(isRecovered) > 0 && u.col.count(isRefusalGap) > 0
	})
	if st := u.m.Stats(); st.Delivered != 2 || st.GapMarkers == 0 {
		t.Fatalf("member %+v", st)
	}
}

func isReconnecting(ev notify.Event) bool { _, ok := ev.(*notify.Reconnecting); return ok }
func isRecovered(ev notify.Event) bool    { _, ok := ev.(*notify.Recovered); return ok }
func isRefusalGap(ev notify.Event) bool {
	g, ok := ev.(*notify.Gap)
	return ok && strings.HasPrefix(g.Reason, ReasonRefused)
}

// TestTakeoverBeyondRetention: a member that takes over a partition whose
// beginning the stream no longer holds reports a Gap, so that call
// tracking resynchronises from REST.
func TestTakeoverBeyondRetention(t *testing.T) {
	leakcheck.Check(t)
	srv := startNATS(t)
	opts := []Option{WithPartitions(1), WithPartitionTTL(time.Second)}
	nc := connect(t, srv.URL())
	pub, err := NewPublisher(context.Background(), nc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	a := newMemberUnit(t, srv.URL(), opts...)
	for i, code := range []string{"Setup", "Proceeding", "Answered"} {
		if err := pub.Deliver(context.Background(), transport.Message{Data: note(fmt.Sprint("r", i), "s-r", i+1, code)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "three notifications", func() bool { return a.m.Stats().Delivered == 3 })
	a.sub.Close()
	js, _ := jetstream.New(nc)
	st, err := js.Stream(context.Background(), DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Purge(context.Background(), jetstream.WithPurgeSequence(2)); err != nil {
		t.Fatal(err)
	}
	b := newMemberUnit(t, srv.URL(), opts...)
	waitFor(t, 10*time.Second, "the Gap", func() bool { _, gaps := b.col.snapshot(); return gaps > 0 })
	if b.col.count(func(ev notify.Event) bool {
		g, ok := ev.(*notify.Gap)
		return ok && strings.Contains(g.Reason, "replay incomplete")
	}) == 0 {
		t.Fatal("no replay-incomplete Gap")
	}
	if st := b.m.Stats(); st.Replayed != 2 {
		t.Fatalf("member b %+v, want the two notifications left replayed", st)
	}
}
