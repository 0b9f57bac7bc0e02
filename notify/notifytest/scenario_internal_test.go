package notifytest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/callscript"
)

// TestScriptTypesMirrorEngine checks that the exported script types carry
// every field of the engine's types (a field added there and not here
// would be dropped silently by the conversions) and the same enum values.
func TestScriptTypesMirrorEngine(t *testing.T) {
	pairs := []struct{ pub, eng any }{
		{Script{}, callscript.Script{}},
		{Step{}, callscript.Step{}},
		{Endpoint{}, callscript.Endpoint{}},
		{Cast{}, callscript.Cast{}},
		{Scenario{}, callscript.Scenario{}},
		{Transition{}, callscript.Transition{}},
		{SummaryWant{}, callscript.SummaryWant{}},
		{ScriptEvent{}, callscript.Event{}},
	}
	fields := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			if f := rt.Field(i); f.IsExported() {
				out = append(out, f.Name)
			}
		}
		return out
	}
	for _, p := range pairs {
		if d := cmp.Diff(fields(p.eng), fields(p.pub)); d != "" {
			t.Errorf("%T vs %T fields (-engine +notifytest):\n%s", p.eng, p.pub, d)
		}
	}
	// ScriptResult leaves out Result.Sessions, which Play does not fill.
	res := slices.DeleteFunc(fields(callscript.Result{}), func(n string) bool { return n == "Sessions" })
	if d := cmp.Diff(res, fields(ScriptResult{})); d != "" {
		t.Errorf("ScriptResult fields (-engine +notifytest):\n%s", d)
	}

	ops := map[Op]callscript.Op{
		OpDial: callscript.OpDial, OpRing: callscript.OpRing, OpAnswer: callscript.OpAnswer,
		OpHold: callscript.OpHold, OpUnhold: callscript.OpUnhold, OpPark: callscript.OpPark,
		OpPickUp: callscript.OpPickUp, OpBlindTransfer: callscript.OpBlindTransfer,
		OpAttendedTransfer: callscript.OpAttendedTransfer, OpConference: callscript.OpConference,
		OpVoicemail: callscript.OpVoicemail, OpHangup: callscript.OpHangup,
		OpAwait: callscript.OpAwait, OpControl: callscript.OpControl,
	}
	for pub, eng := range ops {
		if uint8(pub) != uint8(eng) || pub.String() != eng.String() {
			t.Errorf("Op %v (%d) != engine %v (%d)", pub, pub, eng, eng)
		}
	}
	if UserExtension != EndpointKind(callscript.User) || QueueExtension != EndpointKind(callscript.Queue) ||
		OutsideNumber != EndpointKind(callscript.External) {
		t.Error("EndpointKind values differ from the engine's")
	}
	if TelephonyScriptEvent != ScriptEventKind(callscript.TelephonyEvent) ||
		PresenceScriptEvent != ScriptEventKind(callscript.PresenceEvent) {
		t.Error("ScriptEventKind values differ from the engine's")
	}
}

// TestScriptConversionsRoundTrip plays every shipped scenario in the
// engine and checks that its script, events and transitions come through
// the exported types unchanged.
func TestScriptConversionsRoundTrip(t *testing.T) {
	cast := callscript.DefaultCast()
	if d := cmp.Diff(cast.Rotate(1), castFrom(cast).Rotate(1).internal()); d != "" {
		t.Errorf("Cast.Rotate (-engine +notifytest):\n%s", d)
	}
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, sc := range callscript.Scenarios() {
		pub, ok := ScenarioNamed(sc.Name)
		if !ok {
			t.Fatalf("ScenarioNamed(%q) not found", sc.Name)
		}
		s := sc.New(cast)
		if d := cmp.Diff(wantsFrom(sc.Want), pub.Want); d != "" || len(pub.Want) == 0 {
			t.Errorf("%s: Scenario.Want (-engine +notifytest):\n%s", sc.Name, d)
		}
		if d := cmp.Diff(s, pub.New(castFrom(cast)).internal()); d != "" {
			t.Errorf("%s: script (-engine +notifytest):\n%s", sc.Name, d)
		}
		r, err := callscript.Run("230000001", s, 7, start)
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		pr := &ScriptResult{Script: scriptFrom(s), AccountID: r.AccountID}
		for i := range r.Events {
			pr.Events = append(pr.Events, scriptEventFrom(&r.Events[i]))
			if d := cmp.Diff(r.Events[i], pr.Events[i].internal()); d != "" {
				t.Fatalf("%s: event %d (-engine +notifytest):\n%s", sc.Name, i, d)
			}
			if a, b := r.Events[i].Resource(), pr.Events[i].Resource(); a != b {
				t.Errorf("%s: event %d Resource %q, engine %q", sc.Name, i, b, a)
			}
		}
		if d := cmp.Diff(transitionsFrom(r.Transitions()), pr.Transitions()); d != "" {
			t.Errorf("%s: transitions (-engine +notifytest):\n%s", sc.Name, d)
		}
		if len(pr.Transitions()) == 0 || len(pr.Notifications()) != len(r.Notifications()) {
			t.Errorf("%s: %d transitions, %d notifications (engine %d)", sc.Name, len(pr.Transitions()), len(pr.Notifications()), len(r.Notifications()))
		}
		ext := cast.Users[0].ExtensionID
		if d := cmp.Diff(transitionsFrom(r.ExtensionTransitions(ext)), pr.ExtensionTransitions(ext)); d != "" {
			t.Errorf("%s: extension transitions (-engine +notifytest):\n%s", sc.Name, d)
		}
	}
}
