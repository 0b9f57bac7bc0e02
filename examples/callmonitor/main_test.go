package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/telephony"
)

// binDir holds the binary the tests build, once for all of them.
var (
	binDir   string
	binOnce  sync.Once
	binErr   error
	binBuild []byte
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "callmonitor-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles callmonitor, as a user's go run would, and returns the
// binary's path.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(binDir, "callmonitor")
	binOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		binBuild, binErr = exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	})
	if binErr != nil {
		t.Fatalf("go build: %v\n%s", binErr, binBuild)
	}
	return bin
}

// result is one finished run of the binary.
type result struct {
	code           int
	stdout, stderr string
	err            error // the binary could not be run
}

// command prepares a run of bin with args and the given RC_* variables
// (and no others from the test's environment), bounded by a minute.
func command(t *testing.T, bin string, rcEnv map[string]string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 5 * time.Second
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RC_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range rcEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// runBinary runs bin to its end. It may be called from any goroutine.
func runBinary(t *testing.T, bin string, rcEnv map[string]string, args ...string) result {
	cmd, stdout, stderr := command(t, bin, rcEnv, args...)
	err := cmd.Run()
	if _, ok := errors.AsType[*exec.ExitError](err); err != nil && !ok {
		return result{err: fmt.Errorf("run %v: %w", args, err)}
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

func lines(s string) []string {
	return slices.DeleteFunc(strings.Split(s, "\n"), func(l string) bool { return l == "" })
}

// TestCallmonitor runs the binary for 5 s on each transport against the
// embedded platform and checks that it saw calls answered and ended,
// then exited 0.
func TestCallmonitor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary for 5 s")
	}
	bin := build(t)
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		json bool
	}{
		{"websocket", []string{"-transport", "websocket", "-csv", filepath.Join(dir, "websocket.csv")}, false},
		{"webhook", []string{"-transport", "webhook"}, false},
		{"pubnub", []string{"-transport", "pubnub"}, false},
		{"websocket-json-account-presence", []string{"-json", "-account", "-presence", "-csv", filepath.Join(dir, "json.csv")}, true},
		{"webhook-json", []string{"-json", "-transport", "webhook"}, true},
		{"pubnub-json", []string{"-json", "-transport", "pubnub"}, true},
	}
	// The runs mostly wait, so they all run at once, whatever -parallel
	// says, and the test takes about 5 s.
	results := make([]result, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		wg.Go(func() {
			results[i] = runBinary(t, bin, nil, append([]string{"-duration", "5s", "-seed", "1"}, tc.args...)...)
		})
	}
	wg.Wait()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := results[i]
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit code %d, stderr:\n%s\nstdout:\n%s", r.code, r.stderr, r.stdout)
			}
			ls := lines(r.stdout)
			if len(ls) < 3 {
				t.Fatalf("only %d lines:\n%s", len(ls), r.stdout)
			}
			if tc.json {
				checkJSON(t, ls)
			} else {
				checkText(t, ls)
			}
			if i := slices.Index(tc.args, "-csv"); i >= 0 {
				checkCSV(t, tc.args[i+1], countEnded(ls, tc.json))
			}
		})
	}
}

func checkText(t *testing.T, ls []string) {
	t.Helper()
	if !strings.HasPrefix(ls[0], "callmonitor: embedded fake platform") {
		t.Errorf("first line %q does not say it runs against the embedded platform", ls[0])
	}
	if last := ls[len(ls)-1]; !strings.HasPrefix(last, "callmonitor: stopped (duration reached)") || !strings.Contains(last, "subscription removed") {
		t.Errorf("last line %q does not report a clean stop", last)
	}
	var answered, ended, summaries int
	for i, l := range ls {
		if strings.Contains(l, "→ Answered") && strings.Contains(l, "answered") {
			answered++
		}
		if strings.HasSuffix(l, "; call ended") {
			ended++
			// the summary line follows the change that ends the call
			if i+1 >= len(ls) || !strings.Contains(ls[i+1], "  summary: ") {
				t.Errorf("no summary line after the end of a call: %q", l)
			}
		}
		if strings.Contains(l, "  summary: ") {
			summaries++
			if !strings.Contains(l, ", rang ") || !strings.Contains(l, ", talked ") || !strings.Contains(l, ", held ") {
				t.Errorf("summary line without ring, talk and hold times: %q", l)
			}
		}
	}
	if answered == 0 || ended == 0 {
		t.Errorf("%d answered and %d ended calls in:\n%s", answered, ended, strings.Join(ls, "\n"))
	}
	if summaries != ended {
		t.Errorf("%d summary lines for %d ended calls", summaries, ended)
	}
}

// checkCSV checks the -csv file: the header, then one row per ended call
// (ended, as counted in the output), each with a known outcome.
func checkCSV(t *testing.T, name string, ended int) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("-csv file: %v", err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], csvHeader) {
		t.Fatalf("-csv file does not start with the header: %v", rows)
	}
	if len(rows)-1 != ended || ended == 0 {
		t.Errorf("-csv file has %d rows, want one per ended call (%d)", len(rows)-1, ended)
	}
	outcomes := map[string]bool{}
	for o := telephony.OutcomeUnknown; o <= telephony.OutcomeAbandoned; o++ {
		outcomes[o.String()] = true
	}
	for _, r := range rows[1:] {
		if _, err := time.Parse(time.RFC3339Nano, r[0]); err != nil || r[1] == "" || r[2] == "" || !outcomes[r[6]] {
			t.Errorf("-csv row %v: end time, session, journey or outcome wrong", r)
		}
		for _, c := range r[7:10] {
			if v, err := strconv.ParseFloat(c, 64); err != nil || v < 0 {
				t.Errorf("-csv row %v: duration %q", r, c)
			}
		}
	}
}

// countEnded counts the changes that end a call in callmonitor's output.
func countEnded(ls []string, jsonOut bool) int {
	n := 0
	for _, l := range ls {
		if (jsonOut && strings.Contains(l, `"callEnded":true`)) || (!jsonOut && strings.HasSuffix(l, "; call ended")) {
			n++
		}
	}
	return n
}

// jsonKeys are the keys every line of a type has.
var jsonKeys = map[string][]string{
	"start":    {"type", "time", "platform", "url", "transport", "scope", "filters"},
	"state":    {"type", "time", "state"},
	"call":     {"type", "time", "call", "telephonySessionId", "from", "to", "kind", "what", "callStarted", "callEnded"},
	"presence": {"type", "time", "extensionId", "callRelated"},
	"calls":    {"type", "time", "calls"},
	"summary": {"type", "time", "call", "telephonySessionId", "journeyId", "outcome", "ringSeconds", "talkSeconds",
		"holdSeconds", "parties", "partial"},
	"stop": {"type", "time", "reason", "changes", "callsEnded", "active", "stats"},
}

func checkJSON(t *testing.T, ls []string) {
	t.Helper()
	var answered, ended int
	types := map[string]int{}
	for i, l := range ls {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d is not JSON (%v): %s", i+1, err, l)
		}
		typ, _ := m["type"].(string)
		keys, ok := jsonKeys[typ]
		if !ok {
			t.Fatalf("line %d has unknown type %q: %s", i+1, typ, l)
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d (%s) lacks %q: %s", i+1, typ, k, l)
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, m["time"].(string)); err != nil {
			t.Errorf("line %d: time: %v", i+1, err)
		}
		types[typ]++
		if typ == "call" {
			if m["kind"] == "Answered" {
				answered++
			}
			if m["callEnded"] == true {
				ended++
				// the summary follows the change that ends the call
				if i+1 >= len(ls) || !strings.Contains(ls[i+1], `"type":"summary"`) {
					t.Errorf("line %d ends a call, the next is no summary", i+1)
				}
			}
		}
	}
	if !strings.Contains(ls[0], `"type":"start"`) || !strings.Contains(ls[0], `"platform":"embedded"`) {
		t.Errorf("first line is not the embedded start line: %s", ls[0])
	}
	if !strings.Contains(ls[len(ls)-1], `"type":"stop"`) {
		t.Errorf("last line is not the stop line: %s", ls[len(ls)-1])
	}
	if types["summary"] != ended {
		t.Errorf("%d summaries for %d ended calls", types["summary"], ended)
	}
	if answered == 0 || ended == 0 || types["state"] == 0 {
		t.Errorf("%d answered, %d ended, %d state lines in:\n%s", answered, ended, types["state"], strings.Join(ls, "\n"))
	}
}

// TestBadFlags: a bad command line is one line on stderr and exit code 2,
// before anything starts.
func TestBadFlags(t *testing.T) {
	bin := build(t)
	for _, args := range [][]string{
		{"-bogus"},
		{"-transport", "carrier-pigeon"},
		{"-duration", "soon"},
		{"stray"},
	} {
		r := runBinary(t, bin, nil, args...)
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.code != exitUsage || r.stdout != "" || len(lines(r.stderr)) != 1 || !strings.HasPrefix(r.stderr, "callmonitor: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and one line on stderr", args, r.code, r.stdout, r.stderr, exitUsage)
		}
	}
}

// TestRealPlatform points the binary at a platform through the RC_*
// variables, as a user does with real RingCentral: it says so on its first
// line, refuses wrong credentials in one line without echoing them, and
// on SIGINT removes its subscription and exits 0.
func TestRealPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	leakcheck.Check(t)
	bin := build(t)
	p := notifytest.NewPlatform()
	defer p.Close()
	cfg := p.Config()
	env := map[string]string{
		"RC_SERVER_URL": cfg.ServerURL, "RC_APP_CLIENT_ID": cfg.ClientID,
		"RC_APP_CLIENT_SECRET": "not-the-secret", "RC_USER_JWT": cfg.JWT,
	}

	t.Run("bad credentials", func(t *testing.T) {
		r := runBinary(t, bin, env, "-duration", "5s")
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.code != exitError || len(lines(r.stderr)) != 1 {
			t.Fatalf("exit %d, stderr %q; want exit %d and one line", r.code, r.stderr, exitError)
		}
		for _, secret := range []string{"not-the-secret", cfg.JWT} {
			if strings.Contains(r.stderr+r.stdout, secret) {
				t.Errorf("output holds a credential: %q", r.stderr)
			}
		}
		if !strings.Contains(r.stderr, "cannot subscribe") || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("stderr %q", r.stderr)
		}
	})

	t.Run("webhook without public URL", func(t *testing.T) {
		r := runBinary(t, bin, env, "-transport", "webhook")
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.code != exitUsage || len(lines(r.stderr)) != 1 || !strings.Contains(r.stderr, "-public-url") {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
	})

	t.Run("interrupted", func(t *testing.T) {
		env["RC_APP_CLIENT_SECRET"] = cfg.ClientSecret
		cmd, _, stderr := command(t, bin, env, "-json")
		cmd.Stdout = nil
		pipe, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		out := make(chan string, 64)
		go func() {
			defer close(out)
			sc := bufio.NewScanner(pipe)
			for sc.Scan() {
				out <- sc.Text()
			}
		}()
		mixCtx, stopMix := context.WithCancel(context.Background())
		mixDone := make(chan struct{})
		go func() {
			defer close(mixDone)
			_, _ = p.RunMix(mixCtx, notifytest.MixOptions{Concurrency: 2, Pace: 20 * time.Millisecond, Seed: 2})
		}()
		defer func() { stopMix(); <-mixDone }()

		var ls []string
		deadline := time.After(30 * time.Second)
	wait:
		for {
			select {
			case l, ok := <-out:
				if !ok {
					t.Fatalf("stdout closed early; stderr: %s", stderr)
				}
				ls = append(ls, l)
				if strings.Contains(l, `"type":"call"`) {
					break wait
				}
			case <-deadline:
				_ = cmd.Process.Kill()
				t.Fatalf("no call seen; stderr: %s", stderr)
			}
		}
		if !strings.Contains(ls[0], `"platform":"ringcentral"`) || !strings.Contains(ls[0], `"url":"`+cfg.ServerURL+`"`) {
			t.Errorf("first line %s does not name the platform", ls[0])
		}
		if n := len(p.Subscriptions()); n != 1 {
			t.Errorf("%d subscriptions while running, want 1", n)
		}
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		for l := range out {
			ls = append(ls, l)
		}
		if err := cmd.Wait(); err != nil || stderr.Len() != 0 {
			t.Fatalf("after SIGINT: %v, stderr %q", err, stderr)
		}
		if n := len(p.Subscriptions()); n != 0 {
			t.Errorf("%d subscriptions left after SIGINT, want 0", n)
		}
		if last := ls[len(ls)-1]; !strings.Contains(last, `"type":"stop"`) || !strings.Contains(last, `"reason":"interrupted"`) {
			t.Errorf("last line %s", last)
		}
	})
}

// TestRunInProcess calls run directly, so that the race detector and the
// leak check see the program's own goroutines, and stops it through its
// context as Ctrl-C does.
func TestRunInProcess(t *testing.T) {
	leakcheck.Check(t)
	// The token source's HTTP client keeps idle loopback connections open.
	t.Cleanup(func() { http.DefaultTransport.(*http.Transport).CloseIdleConnections() })
	for k := range map[string]bool{"RC_SERVER_URL": true, "RC_APP_CLIENT_ID": true, "RC_APP_CLIENT_SECRET": true, "RC_USER_JWT": true} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(3*time.Second, cancel) // as Ctrl-C would
	// a file that has its header already gets rows appended, no second header
	csvFile := filepath.Join(t.TempDir(), "calls.csv")
	if err := os.WriteFile(csvFile, []byte(strings.Join(csvHeader, ",")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"-json", "-table", "1s", "-transport", "webhook", "-seed", "3", "-csv", csvFile}, &stdout, &stderr)
	if code != exitOK || stderr.Len() != 0 {
		t.Fatalf("run = %d, stderr %q", code, stderr.String())
	}
	ls := lines(stdout.String())
	checkJSON(t, ls)
	checkCSV(t, csvFile, countEnded(ls, true))
	var stop stopLine
	if err := json.Unmarshal([]byte(ls[len(ls)-1]), &stop); err != nil {
		t.Fatal(err)
	}
	if stop.Reason != "interrupted" || stop.Changes == 0 || stop.Stats.Received == 0 {
		t.Errorf("stop line %+v", stop)
	}
}
