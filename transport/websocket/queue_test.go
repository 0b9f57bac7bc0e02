package websocket

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/transport"
)

func noteItem(i int) item {
	return item{msg: transport.Message{Data: []byte(strconv.Itoa(i))}}
}

// TestQueueOrderAndBounds puts and takes in uneven steps, so that the
// queue reuses the room of taken items, and checks FIFO order, the bound on
// notifications and that a waiting put and a waiting take are woken.
func TestQueueOrderAndBounds(t *testing.T) {
	ctx := t.Context()
	q := newQueue(5, 1<<20)
	next, want := 0, 0
	for round := range 40 {
		for range round%5 + 1 {
			if q.notes == 5 {
				break
			}
			if !q.put(ctx, noteItem(next), false, nil) {
				t.Fatalf("put %d refused", next)
			}
			next++
		}
		for range round%3 + 1 {
			if q.notes == 0 {
				break
			}
			it, ok := q.take(ctx)
			if !ok || string(it.msg.Data) != strconv.Itoa(want) {
				t.Fatalf("take = %q, %v; want %d", it.msg.Data, ok, want)
			}
			want++
		}
		if len(q.items)-q.head != q.notes || q.notes > 5 {
			t.Fatalf("round %d: %d items, %d notes", round, len(q.items)-q.head, q.notes)
		}
	}
	for q.notes < 5 {
		q.put(ctx, noteItem(next), false, nil)
		next++
	}
	// Full: a put waits until a take makes room.
	put := make(chan bool)
	go func() { put <- q.put(ctx, noteItem(next), false, nil) }()
	select {
	case <-put:
		t.Fatal("put into a full queue did not wait")
	case <-time.After(20 * time.Millisecond):
	}
	if it, _ := q.take(ctx); string(it.msg.Data) != strconv.Itoa(want) {
		t.Fatalf("take = %q, want %d", it.msg.Data, want)
	}
	want++
	if !<-put {
		t.Fatal("put refused after room was made")
	}
	next++
	for want < next {
		it, _ := q.take(ctx)
		if string(it.msg.Data) != strconv.Itoa(want) {
			t.Fatalf("take = %q, want %d", it.msg.Data, want)
		}
		want++
	}
	// Empty: a take waits for a put, and ends with ctx.
	took := make(chan item)
	go func() { it, _ := q.take(ctx); took <- it }()
	time.Sleep(10 * time.Millisecond)
	q.put(ctx, noteItem(next), false, nil)
	if it := <-took; string(it.msg.Data) != strconv.Itoa(next) {
		t.Fatalf("waiting take = %q, want %d", it.msg.Data, next)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, ok := q.take(cctx); ok {
		t.Fatal("take from an empty queue with a done ctx succeeded")
	}
}
