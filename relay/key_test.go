package relay

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
)

func TestEnvelopeKeyFixtures(t *testing.T) {
	for _, tc := range []struct{ file, kind, key string }{
		{"apidocs-voice-telephony-session-event.json", kindCall, ""},
		{"apidocs-event-account-telephony-sessions.json", kindCall, ""},
		{"apidocs-event-detailed-extension-presence-with-sip.json", kindExt, ""},
		{"grokify-goclient-event-subscription-renewal.json", kindOther, noKey},
	} {
		t.Run(tc.file, func(t *testing.T) {
			uuid, kind, key, err := envelopeKey(fixture.Read(t, tc.file))
			if err != nil || uuid == "" || kind != tc.kind || key == "" || (tc.key != "" && key != tc.key) {
				t.Fatalf("envelopeKey = %q, %q, %q, %v; want kind %s", uuid, kind, key, err, tc.kind)
			}
		})
	}
}

func TestEnvelopeKey(t *testing.T) {
	for _, tc := range []struct {
		name, in        string
		uuid, kind, key string
		err             bool
	}{
		{"telephony", `{"uuid":"u1","event":"/x","body":{"sequence":1,"telephonySessionId":"s-abc","extensionId":"9"}}`, "u1", kindCall, "s-abc", false},
		{"body first", `{"body":{"telephonySessionId":"s-abc"},"uuid":"u1"}`, "u1", kindCall, "s-abc", false},
		{"presence numeric id", `{"uuid":"u2","body":{"extensionId":12345,"telephonyStatus":"Ringing"}}`, "u2", kindExt, "12345", false},
		{"no body", `{"uuid":"u3","event":"/x"}`, "u3", kindOther, noKey, false},
		{"body not an object", `{"uuid":"u3","body":[1,2]}`, "u3", kindOther, noKey, false},
		{"pn_apns", `{"pn_apns":{"uuid":"u4","body":{"telephonySessionId":"s-9"}}}`, "u4", kindCall, "s-9", false},
		{"unsafe key", `{"uuid":"u5","body":{"telephonySessionId":"a.b *>"}}`, "u5", kindCall, "", false},
		{"nested too deep", `{"pn_apns":{"pn_apns":{"body":{"telephonySessionId":"x"}}}}`, "", kindOther, noKey, false},
		{"array", `[1]`, "", "", "", true},
		{"truncated", `{"uuid":"u","body":{"telephonySessionId":"s`, "", "", "", true},
		{"empty", ``, "", "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uuid, kind, key, err := envelopeKey([]byte(tc.in))
			if tc.err {
				if !errors.Is(err, ErrNoKey) {
					t.Fatalf("err = %v, want ErrNoKey", err)
				}
				return
			}
			if err != nil || uuid != tc.uuid || kind != tc.kind {
				t.Fatalf("envelopeKey = %q, %q, %q, %v", uuid, kind, key, err)
			}
			if tc.key != "" && key != tc.key {
				t.Fatalf("key = %q, want %q", key, tc.key)
			}
			if !validToken(key) || strings.ContainsAny(key, ".*> ") {
				t.Fatalf("key %q is not a safe subject token", key)
			}
		})
	}
}

func FuzzEnvelopeKey(f *testing.F) {
	f.Add([]byte(`{"uuid":"u1","body":{"telephonySessionId":"s-abc"}}`))
	f.Add([]byte(`{"pn_apns":{"body":{"extensionId":"1"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, kind, key, err := envelopeKey(b)
		if err == nil && (kind == "" || !validToken(key)) {
			t.Fatalf("kind %q key %q", kind, key)
		}
	})
}

func TestPartitionsOf(t *testing.T) {
	c := defaultConfig()
	for _, n := range []int{1, 4, 64} {
		got, err := partitionsOf(c.streamConfig(n), subjects{c.prefix})
		if err != nil || got != n {
			t.Fatalf("partitionsOf(%d) = %d, %v", n, got, err)
		}
	}
	cfg := c.streamConfig(4)
	cfg.SubjectTransform = nil
	if _, err := partitionsOf(cfg, subjects{c.prefix}); !errors.Is(err, ErrPartitions) {
		t.Fatalf("no transform: %v", err)
	}
	cfg = c.streamConfig(4)
	cfg.SubjectTransform.Destination = "x.{{partition(4,1)}}"
	if _, err := partitionsOf(cfg, subjects{c.prefix}); !errors.Is(err, ErrPartitions) {
		t.Fatalf("foreign transform: %v", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []Option{WithStream("a.b"), WithSubjectPrefix(""), WithPartitions(0), WithPartitions(MaxPartitions + 1),
		WithDuplicateWindow(0), WithMaxAge(-1), WithReplicas(0), WithPublishTimeout(0), WithPartitionTTL(ms(10)),
		WithAckWait(0), WithMemberID("a b")} {
		if _, err := newConfig([]Option{o}); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("option accepted: %v", err)
		}
	}
	if _, err := newConfig([]Option{nil, WithLogger(nil)}); err != nil {
		t.Fatal(err)
	}
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }
