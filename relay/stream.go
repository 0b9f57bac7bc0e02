package relay

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch/internal/jsonx"
)

// The kinds of partition key, the third token of a subject.
const (
	kindCall  = "call"  // keyed by telephonySessionId
	kindExt   = "ext"   // keyed by extensionId (presence)
	kindOther = "other" // renewal reminders and anything else: one key
	noKey     = "-"
)

// subjects are the subjects of one stream:
//
//	<prefix>.in.<kind>.<key>   what publishers publish
//	<prefix>.p.<n>             what the stream stores (its transform), and
//	                           where Gap markers for partition n go
//
// The stored subject is the partition alone, not the key: a consumer's
// filter is then a literal subject, which JetStream serves without
// scanning the stream's subjects (a filter <prefix>.p.<n>.> over one
// subject per call cost four partitions three quarters of their
// throughput).
type subjects struct{ prefix string }

func (s subjects) in(kind, key string) string { return s.prefix + ".in." + kind + "." + key }
func (s subjects) inPattern() string          { return s.prefix + ".in.*.*" }
func (s subjects) partPattern() string        { return s.prefix + ".p.*" }
func (s subjects) partition(p int) string     { return s.prefix + ".p." + strconv.Itoa(p) }
func (s subjects) transformDest(n int) string {
	return s.prefix + ".p.{{partition(" + strconv.Itoa(n) + ",1,2)}}"
}

// envelopeKey reads, from a raw notification, its uuid and the key that
// decides its partition: the telephonySessionId of a telephony-session
// body, else the extensionId of a presence body, else none (kindOther). It
// reads the envelope's top-level keys and the body's, with the module's
// JSON reader, without decoding the notification; an envelope nested in
// the pn_apns wrapper is read too. Anything that is not a JSON object is
// ErrNoKey.
func envelopeKey(data []byte) (uuid, kind, key string, err error) {
	r := jsonx.NewReader(data)
	if r.Peek() != '{' {
		return "", "", "", ErrNoKey
	}
	var e keyedEnvelope
	readKeyed(&r, &e, 0)
	if err := r.End(); err != nil {
		return "", "", "", fmt.Errorf("%w: %w", ErrNoKey, err)
	}
	if e.kind == "" && e.apns != nil {
		if e.apns.uuid != "" {
			e.uuid = e.apns.uuid
		}
		e.kind, e.key = e.apns.kind, e.apns.key
	}
	if e.kind == "" {
		e.kind, e.key = kindOther, noKey
	}
	return e.uuid, e.kind, subjectToken(e.key), nil
}

type keyedEnvelope struct {
	uuid, kind, key string
	apns            *keyedEnvelope
}

func readKeyed(r *jsonx.Reader, e *keyedEnvelope, depth int) {
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "uuid":
			e.uuid = r.String()
		case "body":
			if r.Peek() != '{' {
				r.Skip()
				continue
			}
			var session, ext string
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "telephonySessionId":
					session = r.String()
				case "extensionId":
					ext = r.String()
				default:
					r.Skip()
				}
			}
			switch {
			case session != "":
				e.kind, e.key = kindCall, session
			case ext != "":
				e.kind, e.key = kindExt, ext
			}
		case "pn_apns":
			if depth > 0 || r.Peek() != '{' {
				r.Skip()
				continue
			}
			e.apns = new(keyedEnvelope)
			readKeyed(r, e.apns, depth+1)
		default:
			r.Skip()
		}
	}
}

// partitionOf is the partition the stream's transform maps a key to: as
// nats-server computes {{partition(n,1,2)}}, the FNV-1a 32-bit hash of the
// two tokens written one after the other, modulo n.
func partitionOf(kind, key string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(kind))
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}

// subjectToken returns key when it is safe as a subject token (letters,
// digits, - and _, at most 64 bytes), else a hash of it: the key only
// chooses the partition, so two keys sharing a hash merely share one.
func subjectToken(key string) string {
	if validToken(key) {
		return key
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	return "h" + strconv.FormatUint(h.Sum64(), 16)
}

// streamConfig is the stream the relay uses for c, with n partitions.
func (c *config) streamConfig(n int) jetstream.StreamConfig {
	s := subjects{c.prefix}
	return jetstream.StreamConfig{
		Name:        c.stream,
		Description: "ringwatch relay: RingCentral notifications partitioned by call",
		Subjects:    []string{s.inPattern(), s.partPattern()},
		SubjectTransform: &jetstream.SubjectTransformConfig{
			Source: s.inPattern(), Destination: s.transformDest(n),
		},
		Retention:  jetstream.LimitsPolicy,
		MaxAge:     c.maxAge,
		Duplicates: c.dupWindow,
		Storage:    c.storage(),
		Replicas:   c.replicas,
		Discard:    jetstream.DiscardOld,
	}
}

// ensureStream returns the relay's stream, creating it with c.partitions
// partitions if it does not exist, and the number of partitions it has.
func ensureStream(ctx context.Context, js jetstream.JetStream, c *config) (jetstream.Stream, int, error) {
	st, err := js.Stream(ctx, c.stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		st, err = js.CreateStream(ctx, c.streamConfig(c.partitions))
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			st, err = js.Stream(ctx, c.stream) // another member won the race
		}
	}
	if err != nil {
		return nil, 0, jsError("stream "+c.stream, err)
	}
	n, err := partitionsOf(st.CachedInfo().Config, subjects{c.prefix})
	if err != nil {
		return nil, 0, err
	}
	if n != c.partitions && c.partitionsSet {
		return nil, 0, fmt.Errorf("%w: stream %s has %d, asked for %d", ErrPartitions, c.stream, n, c.partitions)
	}
	return st, n, nil
}

// partitionsOf reads the number of partitions from a stream's subject
// transform.
func partitionsOf(cfg jetstream.StreamConfig, s subjects) (int, error) {
	t := cfg.SubjectTransform
	if t == nil || t.Source != s.inPattern() {
		return 0, fmt.Errorf("%w: stream %s has no transform of %s", ErrPartitions, cfg.Name, s.inPattern())
	}
	rest, ok := strings.CutPrefix(t.Destination, s.prefix+".p.{{partition(")
	if !ok {
		return 0, fmt.Errorf("%w: stream %s transforms to %q", ErrPartitions, cfg.Name, t.Destination)
	}
	num, _, _ := strings.Cut(rest, ",")
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || t.Destination != s.transformDest(n) {
		return 0, fmt.Errorf("%w: stream %s transforms to %q", ErrPartitions, cfg.Name, t.Destination)
	}
	return n, nil
}

// jsError wraps an error of a JetStream request, telling an unreachable
// server (or one without JetStream) by ErrUnreachable.
func jsError(what string, err error) error {
	if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, nats.ErrConnectionClosed) ||
		errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, nats.ErrDisconnected) {
		return fmt.Errorf("%w: %s: %w", ErrUnreachable, what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// connected checks that nc can be used.
func connected(nc *nats.Conn) error {
	if nc == nil {
		return fmt.Errorf("%w: no connection", ErrUnreachable)
	}
	if !nc.IsConnected() {
		return fmt.Errorf("%w: connection %s", ErrUnreachable, strings.ToLower(nc.Status().String()))
	}
	return nil
}

// Connect connects to the NATS server at url (a comma-separated list for a
// cluster) with options that suit the relay: reconnect for ever, every
// 250 ms, and buffer nothing while disconnected, so that a publication
// fails at once and a webhook answers 503 instead of accepting what may be
// lost. opts come after these and may override them. A server that cannot
// be reached within the dial timeout (2 s) is ErrUnreachable.
func Connect(url string, opts ...nats.Option) (*nats.Conn, error) {
	all := append([]nats.Option{
		nats.Name("ringwatch-relay"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectBufSize(-1),
		nats.Timeout(2 * time.Second),
	}, opts...)
	nc, err := nats.Connect(url, all...)
	if err != nil {
		return nil, opError("connect", fmt.Errorf("%w: %w", ErrUnreachable, err))
	}
	return nc, nil
}

// relayStream is what a Publisher and a Member both start from: the
// options, the connection's JetStream, and the stream with its number of
// partitions (created if it does not exist).
type relayStream struct {
	cfg   config
	js    jetstream.JetStream
	st    jetstream.Stream
	parts int
}

// openStream checks the options and the connection and binds (or creates)
// the stream; errors are prefixed with op.
func openStream(ctx context.Context, nc *nats.Conn, opts []Option, op string) (relayStream, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return relayStream{}, opError(op, err)
	}
	if err := connected(nc); err != nil {
		return relayStream{}, opError(op, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return relayStream{}, opError(op, err)
	}
	st, n, err := ensureStream(ctx, js, &cfg)
	if err != nil {
		return relayStream{}, opError(op, err)
	}
	return relayStream{cfg: cfg, js: js, st: st, parts: n}, nil
}
