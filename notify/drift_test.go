package notify_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/internal/testkit/modeltest"
	"github.com/ringwatch/ringwatch/notify"
)

// TestDecodeSurvivesEveryDriftedField corrupts, in every notification
// fixture, each field in turn (at every depth) with a value of another
// JSON type. The notification must still decode to the same kind of event,
// and either the field is reported in Header.Skipped or (a field the
// models do not read) the event is the same as from the intact fixture.
func TestDecodeSurvivesEveryDriftedField(t *testing.T) {
	ignore := cmpopts.IgnoreFields(notify.Header{}, "Raw", "Skipped")
	checked, reported := 0, 0
	for _, name := range fixture.Names(t) {
		data := fixture.Read(t, name)
		orig, err := notify.Decode(data)
		if err != nil {
			continue // not a notification
		}
		switch orig.(type) {
		case *notify.PresenceEvent, *notify.TelephonyEvent, *notify.RenewalReminder:
		default:
			continue
		}
		if len(orig.EventHeader().Skipped) != 0 {
			t.Errorf("%s: intact fixture skipped %v", name, orig.EventHeader().Skipped)
		}
		for _, c := range modeltest.Corruptions(data) {
			switch c.Path {
			case "event", "pn_apns", "pn_apns.event":
				continue // the routing key (or the wrapper holding it): without it there is no event to deliver
			}
			checked++
			ev, err := notify.Decode(c.Data)
			if err != nil {
				t.Errorf("%s, %s drifted: %v", name, c.Path, err)
				continue
			}
			if got, want := fmt.Sprintf("%T", ev), fmt.Sprintf("%T", orig); got != want {
				t.Errorf("%s, %s drifted: got %s, want %s", name, c.Path, got, want)
				continue
			}
			found := false
			for _, sk := range ev.EventHeader().Skipped {
				found = found || sk.Path == c.Path
			}
			if found {
				reported++
				continue
			}
			if diff := cmp.Diff(orig, ev, ignore, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s, %s drifted: not in Skipped %v, and the event changed:\n%s", name, c.Path, ev.EventHeader().Skipped, diff)
			}
		}
	}
	if checked == 0 || reported == 0 {
		t.Fatalf("checked %d drifted fields, %d reported", checked, reported)
	}
	t.Logf("%d drifted fields, %d reported in Skipped", checked, reported)
}
