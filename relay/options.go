package relay

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of the options.
const (
	// DefaultStream is the name of the JetStream stream.
	DefaultStream = "RINGWATCH"
	// DefaultSubjectPrefix is the first token of the relay's subjects.
	DefaultSubjectPrefix = "ringwatch"
	// DefaultPartitions is the number of partitions of a new stream.
	DefaultPartitions = 4
	// DefaultDuplicateWindow is how long JetStream remembers a
	// notification's uuid (Nats-Msg-Id) to drop it when it comes again.
	DefaultDuplicateWindow = 2 * time.Minute
	// DefaultMaxAge is how long the stream keeps notifications: the
	// depth a member that takes a partition over can replay to rebuild
	// its call state. It should exceed the longest call.
	DefaultMaxAge = 24 * time.Hour
	// DefaultPublishTimeout bounds the wait for JetStream's
	// acknowledgement of a publication.
	DefaultPublishTimeout = 2 * time.Second
	// DefaultPartitionTTL is how long a partition lease lives without renewal:
	// a member that dies loses its partitions within about this time.
	DefaultPartitionTTL = 6 * time.Second
	// DefaultAckWait is how long JetStream waits for a member's
	// acknowledgement before it redelivers a notification.
	DefaultAckWait = 30 * time.Second
)

// Option configures a Publisher (NewPublisher) or a Member (NewMember).
// The stream options (WithStream, WithSubjectPrefix, WithPartitions,
// WithDuplicateWindow, WithMaxAge, WithReplicas) must be the same for the
// publishers and members of one deployment; each option says which of the
// two it applies to, and the other ignores it.
type Option func(*config)

type config struct {
	stream, prefix string
	partitions     int
	partitionsSet  bool
	dupWindow      time.Duration
	maxAge         time.Duration
	replicas       int
	memoryStorage  bool
	publishTimeout time.Duration
	leaseTTL       time.Duration
	ackWait        time.Duration
	memberID       string
	log            *slog.Logger
	gapRetry       time.Duration
	replayWait     time.Duration
}

func defaultConfig() config {
	return config{
		stream:         DefaultStream,
		prefix:         DefaultSubjectPrefix,
		partitions:     DefaultPartitions,
		dupWindow:      DefaultDuplicateWindow,
		maxAge:         DefaultMaxAge,
		replicas:       1,
		publishTimeout: DefaultPublishTimeout,
		leaseTTL:       DefaultPartitionTTL,
		ackWait:        DefaultAckWait,
		gapRetry:       time.Second,
		replayWait:     2 * time.Second,
		log:            slog.New(slog.DiscardHandler),
	}
}

func newConfig(opts []Option) (config, error) {
	c := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	switch {
	case !validName(c.stream):
		return c, fmt.Errorf("%w: stream name %q", ErrInvalidOption, c.stream)
	case !validToken(c.prefix):
		return c, fmt.Errorf("%w: subject prefix %q (one subject token)", ErrInvalidOption, c.prefix)
	case c.partitions < 1 || c.partitions > MaxPartitions:
		return c, fmt.Errorf("%w: %d partitions, want 1 to %d", ErrInvalidOption, c.partitions, MaxPartitions)
	case c.dupWindow <= 0 || c.maxAge <= 0 || c.dupWindow > c.maxAge:
		return c, fmt.Errorf("%w: duplicate window %v and max age %v", ErrInvalidOption, c.dupWindow, c.maxAge)
	case c.replicas < 1:
		return c, fmt.Errorf("%w: %d replicas", ErrInvalidOption, c.replicas)
	case c.publishTimeout <= 0:
		return c, fmt.Errorf("%w: publish timeout %v", ErrInvalidOption, c.publishTimeout)
	case c.leaseTTL < 300*time.Millisecond:
		return c, fmt.Errorf("%w: lease TTL %v, want at least 300ms", ErrInvalidOption, c.leaseTTL)
	case c.ackWait <= 0:
		return c, fmt.Errorf("%w: ack wait %v", ErrInvalidOption, c.ackWait)
	case c.memberID != "" && !validToken(c.memberID):
		return c, fmt.Errorf("%w: member id %q (letters, digits, - and _)", ErrInvalidOption, c.memberID)
	}
	return c, nil
}

// MaxPartitions bounds WithPartitions.
const MaxPartitions = 1024

// WithStream names the JetStream stream (DefaultStream by default);
// Publisher and Member. The key-value bucket of the partition leases is
// named after it (name + "_leases").
func WithStream(name string) Option { return func(c *config) { c.stream = name } }

// WithSubjectPrefix sets the first token of the relay's subjects
// (DefaultSubjectPrefix by default); Publisher and Member. See the package
// documentation for the subjects.
func WithSubjectPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// WithPartitions sets the number of partitions of the stream when the
// relay creates it (DefaultPartitions by default); Publisher and Member.
// An existing stream keeps its own number: a different one is
// ErrPartitions.
func WithPartitions(n int) Option {
	return func(c *config) { c.partitions, c.partitionsSet = n, true }
}

// WithDuplicateWindow sets how long JetStream drops a notification whose
// uuid it has stored (DefaultDuplicateWindow by default); applies when the
// stream is created.
func WithDuplicateWindow(d time.Duration) Option { return func(c *config) { c.dupWindow = d } }

// WithMaxAge sets how long the stream keeps notifications
// (DefaultMaxAge by default), which bounds the replay of a partition taken
// over; applies when the stream is created.
func WithMaxAge(d time.Duration) Option { return func(c *config) { c.maxAge = d } }

// WithReplicas sets the stream's replicas on a NATS cluster (1 by
// default; 3 for a cluster that survives a server's loss); applies when the
// stream and the lease bucket are created.
func WithReplicas(n int) Option { return func(c *config) { c.replicas = n } }

// WithMemoryStorage keeps the stream in memory instead of on disk (for
// tests and benchmarks; a server restart loses it).
func WithMemoryStorage() Option { return func(c *config) { c.memoryStorage = true } }

// WithPublishTimeout bounds the wait for JetStream's acknowledgement of
// one publication (DefaultPublishTimeout by default); Publisher. The
// context given to Deliver bounds it too (a webhook Handler's
// WithMaxWait).
func WithPublishTimeout(d time.Duration) Option { return func(c *config) { c.publishTimeout = d } }

// WithPartitionTTL sets how long a partition lease lives without renewal
// (DefaultPartitionTTL by default); Member. Members renew every third of it;
// a dead member's partitions are taken over after about this time. All
// members of a stream must use the same value.
func WithPartitionTTL(d time.Duration) Option { return func(c *config) { c.leaseTTL = d } }

// WithAckWait sets how long JetStream waits for a member's
// acknowledgement before redelivering (DefaultAckWait by default);
// Member.
func WithAckWait(d time.Duration) Option { return func(c *config) { c.ackWait = d } }

// WithMemberID names the member in the leases (a random id by default);
// Member. Letters, digits, - and _.
func WithMemberID(id string) Option { return func(c *config) { c.memberID = id } }

// WithLogger logs what the relay does (takeovers, refusals, poison
// messages) to l; Publisher and Member. By default it logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

func (c *config) storage() jetstream.StorageType {
	if c.memoryStorage {
		return jetstream.MemoryStorage
	}
	return jetstream.FileStorage
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

func validToken(s string) bool { return validName(s) }
