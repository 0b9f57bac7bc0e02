package notify

import (
	"fmt"
	"strings"
	"testing"
)

func TestDedupWindowForgetsOldestFirst(t *testing.T) {
	d := newDedupWindow(3)
	for _, u := range []string{"a", "b", "c", "a"} { // "a" again: no change
		d.add(u)
	}
	d.add("d") // forgets "a"
	got := map[string]bool{}
	for _, u := range []string{"a", "b", "c", "d", "e"} {
		got[u] = d.contains(u)
	}
	want := map[string]bool{"a": false, "b": true, "c": true, "d": true, "e": false}
	for u, w := range want {
		if got[u] != w {
			t.Errorf("contains(%q) = %v, want %v", u, got[u], w)
		}
	}
	if d.len() != 3 {
		t.Errorf("len = %d, want 3", d.len())
	}
}

func TestDedupWindowStaysBounded(t *testing.T) {
	const n = 64
	d := newDedupWindow(n)
	for i := range 10 * n {
		d.add(fmt.Sprintf("uuid-%d", i))
		if d.len() > n || len(d.order) > n {
			t.Fatalf("after %d uuids the window holds %d (order %d), want at most %d", i+1, d.len(), len(d.order), n)
		}
	}
	for i := range 10 * n {
		want := i >= 9*n
		if got := d.contains(fmt.Sprintf("uuid-%d", i)); got != want {
			t.Fatalf("contains(uuid-%d) = %v, want %v", i, got, want)
		}
	}
}

func TestDedupWindowLongAndEmptyKeys(t *testing.T) {
	d := newDedupWindow(4)
	long := strings.Repeat("x", 1<<20)
	d.add(long)
	if !d.contains(long) {
		t.Error("a long uuid is not found after add")
	}
	if d.contains(long[:len(long)-1] + "y") {
		t.Error("a different long uuid is found")
	}
	for k := range d.seen {
		if len(k) > maxDedupKey {
			t.Errorf("the window keeps a key of %d bytes, want at most %d", len(k), maxDedupKey)
		}
	}
	d.add("")
	if d.contains("") || d.len() != 1 {
		t.Errorf("empty uuid: contains = %v, len = %d; want false, 1", d.contains(""), d.len())
	}
	var off *dedupWindow // WithDedupWindow(0)
	off.add("a")
	if off.contains("a") || off.len() != 0 {
		t.Error("a disabled window remembers")
	}
}
