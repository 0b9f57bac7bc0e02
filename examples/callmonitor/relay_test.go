package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestRelayEmbedded runs the main job distributed: an embedded NATS
// server, three webhook receivers behind a round-robin front and three
// members. The output is that of a run without the relay, with every
// change printed once and every call ending once.
func TestRelayEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary for 5 s")
	}
	bin := build(t)
	r := runBinary(t, bin, nil, "-relay", "embedded", "-receivers", "3", "-members", "3", "-duration", "5s", "-seed", "1", "-json")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit code %d, stderr:\n%s\nstdout:\n%s", r.code, r.stderr, r.stdout)
	}
	ls := lines(r.stdout)
	checkJSON(t, ls)
	if !strings.Contains(ls[0], "through the relay") || !strings.Contains(ls[0], "3 receivers, 3 members") {
		t.Errorf("the start line does not describe the relay: %s", ls[0])
	}
	seen := map[string]bool{}
	ended := map[string]int{}
	for _, l := range ls {
		var c struct {
			Type, TelephonySessionID, PartyID, To string
			Sequence                              int64
			CallEnded                             bool
		}
		if json.Unmarshal([]byte(l), &c) != nil || c.Type != "call" {
			continue
		}
		k := fmt.Sprintf("%s/%s/%d/%s", c.TelephonySessionID, c.PartyID, c.Sequence, c.To)
		if seen[k] {
			t.Errorf("change printed twice: %s", l)
		}
		seen[k] = true
		if c.CallEnded {
			ended[c.TelephonySessionID]++
		}
	}
	for id, n := range ended {
		if n != 1 {
			t.Errorf("call %s ended %d times", id, n)
		}
	}
}

// TestRelayBadFlags: the relay's flags are checked before anything
// starts.
func TestRelayBadFlags(t *testing.T) {
	bin := build(t)
	for _, args := range [][]string{
		{"-relay", "nowhere"},
		{"-relay", "embedded", "-role", "member"},
		{"-relay", "nats://127.0.0.1:4222", "-role", "judge"},
		{"-relay", "embedded", "-receivers", "0"},
		{"-relay", "embedded", "-partitions", "0"},
		{"-relay", "nats://127.0.0.1:1", "-role", "receiver"}, // no shared token
	} {
		r := runBinary(t, bin, nil, args...)
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.code != exitUsage || r.stdout != "" || len(lines(r.stderr)) != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and one line on stderr", args, r.code, r.stdout, r.stderr, exitUsage)
		}
	}
}

// TestRelayUnreachable: a NATS server that is not there is one clear line
// and exit code 1.
func TestRelayUnreachable(t *testing.T) {
	bin := build(t)
	r := runBinary(t, bin, nil, "-relay", "nats://127.0.0.1:1", "-duration", "2s")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.code != exitError || !strings.Contains(r.stderr, "NATS unreachable") {
		t.Errorf("exit %d, stderr %q; want exit %d and NATS unreachable", r.code, r.stderr, exitError)
	}
}
