package rest

import (
	"testing"
	"time"
)

func TestUnwrapSkipsNil(t *testing.T) {
	type wrapped struct{ o Option }
	got := Unwrap([]wrapped{{WithMaxAttempts(2)}, {}, {WithBackoff(time.Second, 2*time.Second)}}, func(w wrapped) Option { return w.o })
	if len(got) != 2 {
		t.Fatalf("%d options, want 2", len(got))
	}
	var o Options
	for _, opt := range got {
		opt(&o)
	}
	if o.MaxAttempts != 2 || o.BaseDelay != time.Second || o.MaxDelay != 2*time.Second {
		t.Errorf("options %+v", o)
	}
}
