package notifytest

import (
	"context"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/telephony"
)

// A call a control request moved on (its sequence changed) is left alone
// at the timeout; one nobody moved ends.
func TestTimeOutOnlyWhenNotMovedOn(t *testing.T) {
	p := NewPlatform()
	defer p.Close()
	ext := p.Extensions()[0]
	for _, sid := range []string{"moved", "idle"} {
		if err := p.StartCallFor(context.Background(), telephony.Session{TelephonySessionID: sid, Parties: []telephony.Party{{
			ID: sid + "-p", ExtensionID: ext.ID, Status: telephony.Status{Code: telephony.Proceeding},
		}}}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	p.mu.Lock()
	p.calls.sessions["moved"].Sequence++ // as a control request does
	p.mu.Unlock()
	if p.timeOut("moved", 1) {
		t.Error("timed out a call a request moved on")
	}
	if s, ok := p.Session("moved"); !ok || s.Parties[0].Status.Code != telephony.Proceeding {
		t.Errorf("moved call after the timeout: %+v, %v", s, ok)
	}
	if !p.timeOut("idle", 1) {
		t.Error("did not time out an idle call")
	}
	if _, ok := p.Session("idle"); ok {
		t.Error("idle call still in the model")
	}
	if p.timeOut("idle", 1) {
		t.Error("timed out a call twice")
	}
}
