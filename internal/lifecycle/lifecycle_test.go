package lifecycle

import (
	"errors"
	"testing"

	"github.com/ringwatch/ringwatch/transport"
)

func TestLifecycle(t *testing.T) {
	var l Lifecycle
	if l.State() != New {
		t.Fatalf("zero value = %s, want new", l.State())
	}
	if err := l.BeginOpen(); err != nil {
		t.Fatalf("BeginOpen = %v", err)
	}
	if err := l.BeginOpen(); !errors.Is(err, transport.ErrAlreadyOpen) {
		t.Fatalf("BeginOpen while opening = %v, want ErrAlreadyOpen", err)
	}
	l.OpenFailed()
	if l.State() != New {
		t.Fatalf("after OpenFailed = %s, want new", l.State())
	}
	_ = l.BeginOpen()
	if !l.Opened() || l.State() != Open {
		t.Fatalf("Opened: state %s, want open", l.State())
	}
	if err := l.BeginOpen(); !errors.Is(err, transport.ErrAlreadyOpen) {
		t.Fatalf("BeginOpen when open = %v, want ErrAlreadyOpen", err)
	}
	if prev := l.Close(); prev != Open {
		t.Fatalf("Close left %s, want open", prev)
	}
	if prev := l.Close(); prev != Closed || !l.Closed() {
		t.Fatalf("second Close left %s, want closed", prev)
	}
	if err := l.BeginOpen(); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("BeginOpen after Close = %v, want ErrClosed", err)
	}

	// Close during Open: Opened reports false, OpenFailed keeps Closed.
	var m Lifecycle
	_ = m.BeginOpen()
	m.Close()
	if m.Opened() {
		t.Fatal("Opened after Close = true")
	}
	m.OpenFailed()
	if !m.Closed() {
		t.Fatalf("OpenFailed after Close: %s, want closed", m.State())
	}
}
