package notify

import (
	"crypto/sha256"
	"strings"
)

// maxDedupKey is the longest uuid kept as it came. Real uuids are 19 to 36
// bytes; a longer one is kept as its SHA-256 digest, so that a hostile
// sender cannot make the window hold megabytes.
const maxDedupKey = 64

// dedupWindow remembers the last n notification uuids, forgetting the
// oldest first, with O(1) lookups and insertions. It is not safe for
// concurrent use; the Subscription calls it under its intake lock.
type dedupWindow struct {
	seen  map[string]struct{}
	order []string // circular, oldest at next once full
	next  int
}

func newDedupWindow(n int) *dedupWindow {
	if n <= 0 {
		return nil
	}
	return &dedupWindow{seen: make(map[string]struct{}, n), order: make([]string, 0, n)}
}

// contains reports whether uuid is in the window. A nil window and an
// empty uuid contain nothing.
func (d *dedupWindow) contains(uuid string) bool {
	if d == nil || uuid == "" {
		return false
	}
	_, ok := d.seen[dedupKey(uuid)]
	return ok
}

// add records uuid, forgetting the oldest uuid if the window is full.
func (d *dedupWindow) add(uuid string) {
	if d == nil || uuid == "" {
		return
	}
	k := dedupKey(uuid)
	if _, ok := d.seen[k]; ok {
		return
	}
	// The key outlives the event; a copy keeps the window from pinning
	// whatever buffer the decoder took the uuid from.
	k = strings.Clone(k)
	if len(d.order) < cap(d.order) {
		d.order = append(d.order, k)
	} else {
		delete(d.seen, d.order[d.next])
		d.order[d.next] = k
		d.next = (d.next + 1) % len(d.order)
	}
	d.seen[k] = struct{}{}
}

func (d *dedupWindow) len() int {
	if d == nil {
		return 0
	}
	return len(d.seen)
}

func dedupKey(uuid string) string {
	if len(uuid) <= maxDedupKey {
		return uuid
	}
	sum := sha256.Sum256([]byte(uuid))
	// The prefix keeps a digest from equalling a short uuid.
	return "sha256:" + string(sum[:])
}
