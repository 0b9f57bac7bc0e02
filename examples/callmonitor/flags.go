package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// options are the command line settings of one run.
type options struct {
	transport string        // websocket, webhook or pubnub
	duration  time.Duration // 0: until interrupted
	jsonOut   bool
	account   bool
	presence  bool
	table     time.Duration // interval of the active-calls table; 0: never
	publicURL string        // webhook: the address RingCentral posts to
	listen    string        // webhook: the local address to serve on
	seed      uint64        // embedded platform: seed of the scenario mix
	verbose   bool          // log ringwatch's debug output to stderr
	csv       string        // file to append one CSV row per ended call to; "": none
	http      string        // serve the live call board on this address (board.go); "": none
	// The relay (relay.go): "" (none), "embedded" or a NATS URL, this
	// process's role, and how many receivers and members it runs.
	relay      string
	role       string
	receivers  int
	members    int
	partitions int
}

// errUsage marks a command line that cannot be run; its message is the
// one line to print.
var errUsage = errors.New("usage")

// usageError is a bad command line, said in one line.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == errUsage }

// newFlagSet declares the flags; parseFlags and the -h output share it.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("callmonitor", flag.ContinueOnError)
	fs.StringVar(&o.transport, "transport", "websocket", "how notifications arrive: websocket, webhook or pubnub (legacy)")
	fs.DurationVar(&o.duration, "duration", 0, "run this long, then remove the subscription and exit (0: until Ctrl-C)")
	fs.BoolVar(&o.jsonOut, "json", false, "print one JSON object per line instead of text")
	fs.BoolVar(&o.account, "account", false, "watch every call of the account (account-level telephony sessions) instead of your extension's")
	fs.BoolVar(&o.presence, "presence", false, "also watch presence and print its changes")
	fs.DurationVar(&o.table, "table", 3*time.Second, "print the table of active calls this often (0: never)")
	fs.StringVar(&o.publicURL, "public-url", "", "webhook: the public https URL RingCentral posts notifications to (required with real RingCentral)")
	fs.StringVar(&o.listen, "listen", "", "webhook: the local address to serve the webhook on (default: :8080 with real RingCentral, a loopback port otherwise)")
	fs.Uint64Var(&o.seed, "seed", 0, "embedded platform: seed of the scenario mix (0: a new one each run)")
	fs.BoolVar(&o.verbose, "v", false, "log ringwatch's debug output to stderr")
	fs.StringVar(&o.http, "http", "", "serve the live call board on host:port (a port alone or :port binds to 127.0.0.1 only)")
	fs.StringVar(&o.csv, "csv", "", "append one CSV row per ended call to this file (a header first when the file is new or empty)")
	fs.StringVar(&o.relay, "relay", "", "carry notifications through NATS JetStream: \"embedded\" (a server in this process) or a NATS URL such as nats://host:4222")
	fs.StringVar(&o.role, "role", "both", "relay: what this process runs: receiver (webhooks into NATS), member (NATS into call tracking) or both")
	fs.IntVar(&o.receivers, "receivers", 1, "relay: webhook receivers behind a round-robin front")
	fs.IntVar(&o.members, "members", 1, "relay: call-tracking members sharing the partitions")
	fs.IntVar(&o.partitions, "partitions", 4, "relay: partitions of a new stream")
	return fs
}

// parseFlags reads the command line. -h writes the usage to stdout and
// returns flag.ErrHelp; any other mistake is a *usageError of one line.
func parseFlags(args []string, stdout io.Writer) (options, error) {
	var o options
	fs := newFlagSet(&o)
	fs.SetOutput(io.Discard) // the flag package's own messages span several lines
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fmt.Fprintln(stdout, "Usage: callmonitor [flags]")
			fmt.Fprintln(stdout, "Prints every state change of the calls on a RingCentral extension or account.")
			fmt.Fprintln(stdout, "Without RC_SERVER_URL, RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET and RC_USER_JWT it runs against an embedded fake platform.")
			fs.PrintDefaults()
			return o, err
		}
		return o, &usageError{err.Error() + " (see -h)"}
	}
	if fs.NArg() > 0 {
		return o, &usageError{fmt.Sprintf("unexpected argument %q (see -h)", fs.Arg(0))}
	}
	o.transport = strings.ToLower(o.transport)
	switch o.transport {
	case "websocket", "webhook", "pubnub":
	default:
		return o, &usageError{fmt.Sprintf("-transport %q: want websocket, webhook or pubnub", o.transport)}
	}
	if o.duration < 0 {
		return o, &usageError{"-duration must not be negative"}
	}
	if o.table < 0 {
		return o, &usageError{"-table must not be negative"}
	}
	if err := checkHTTPFlag(&o); err != nil {
		return o, err
	}
	if err := checkRelayFlags(&o); err != nil {
		return o, err
	}
	return o, nil
}
