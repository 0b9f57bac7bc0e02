// Package relay carries RingCentral notifications between processes
// through NATS JetStream, partitioned by call, so that several receivers
// behind a load balancer and several call-tracking members behave as one
// process: every notification of a call reaches one member, in order, and
// a member that dies has its calls taken over by another.
//
// Start with NewPublisher on each receiver and NewMember on each tracking
// process; relay/embedded runs a NATS server inside the process for tests
// and single-machine use. examples/callmonitor -relay shows a deployment.
//
//	nc, err := relay.Connect("nats://nats:4222")        // ErrUnreachable if it is not there
//	pub, err := relay.NewPublisher(ctx, nc)             // a receiver
//	h := webhook.NewHandler(token, webhook.WithDeliver(pub.Deliver))
//
//	m, err := relay.NewMember(ctx, nc)                  // a member
//	sub, err := notify.Subscribe(ctx, m, filters, m.CallTracking(m.ResyncREST(rc)))
//	for ev := range sub.Events() { … }                  // as with any transport
//
// # The stream
//
// One stream (WithStream, "RINGWATCH" by default) holds the
// notifications. A Publisher publishes each one on
//
//	<prefix>.in.call.<telephonySessionId>   telephony sessions
//	<prefix>.in.ext.<extensionId>           presence
//	<prefix>.in.other.-                     everything else (renewal reminders)
//
// reading only the envelope's and the body's top-level keys to find the
// key (ids that are not safe subject tokens are hashed). The stream's
// subject transform maps them, with {{partition(N,1,2)}}, onto
// <prefix>.p.<n>: every notification of one call lands in one of N
// partitions (WithPartitions, fixed for the stream's life), in arrival
// order. The stored subject is the partition alone, so that each
// partition's consumer filters on a literal subject, which JetStream
// serves without scanning one subject per call. Nats-Msg-Id is the notification's uuid, so JetStream drops a
// notification it already stored within the duplicate window
// (WithDuplicateWindow, 2 min): RingCentral's repeated deliveries and the
// same notification through two receivers are stored once.
//
// A Publisher returns from Deliver only once JetStream has acknowledged
// the publication, so a webhook answers 200 only for a notification that
// is stored; when JetStream does not acknowledge within the bound, Deliver
// fails and the webhook Handler answers 503. The Publisher then publishes
// a Gap marker (headers Ringwatch-Gap-*) to every partition once JetStream
// accepts again, and the members report it as a *notify.Gap, after which
// call tracking resynchronises from REST.
//
// # Partitions and members
//
// A Member is a transport.Transport, so notify.Subscribe and call
// tracking work on it unchanged. Each partition has a durable pull
// consumer (<stream>_p<n>) and a lease: a key p.<n> in the key-value
// bucket <stream>_leases, whose TTL (WithPartitionTTL, 6 s) expires a lease
// that is not renewed. Members announce themselves in the same bucket
// (m.<id>) and share the partitions evenly: each renews its leases every
// third of the TTL, takes free partitions up to its share (kv.Create
// succeeds for one member only) and gives back what is over it when
// members join. A member stops consuming a partition a sixth of the TTL
// before its lease could expire on the server, so two members never
// consume one partition at once; a dead member's partitions are taken
// over within about the TTL.
//
// The lease was chosen over pinned priority groups (PriorityPolicyPinned
// with PinnedTTL), which also give one client per consumer, because the
// server pins whichever client pulls first: the first member would pin
// every partition, and balancing them needs a membership record anyway.
// The KV bucket is that record, and a takeover is then an explicit step
// in which the member can rebuild its state.
//
// Taking a partition over, a member reads the consumer's acknowledgement
// floor (the last notification its previous holder acknowledged), makes
// the consumer anew from the next one on (so that what the previous
// holder received but did not acknowledge comes first, in order), and
// replays the partition up to the floor into its trackers (Calls,
// Presence) without reporting anything: the calls in progress go on from
// the state their previous holder had, and only what follows is reported.
// When the stream's retention (WithMaxAge) has removed the beginning of the
// stream, the replay cannot cover every call: the member reports a Gap, and
// call tracking resynchronises from REST.
//
// A member acknowledges notifications once notify has taken them (buffered
// them, with the changes they caused), cumulatively: every 32, and when
// the partition falls idle for 20 ms; before it gives a partition up, it
// waits until JetStream has applied its last acknowledgement. A message
// that is not a JSON object, or that was delivered more than five times,
// is a poison message: it is
// terminated (never redelivered), counted in MemberStats.Poison, and the
// partition goes on. When the NATS connection drops, members report
// *notify.Reconnecting, nats.go reconnects, and the consumers resume where
// they were (*notify.Recovered); leases that expired meanwhile are taken
// again.
//
// A Gap makes every member resynchronise from REST; Member.ResyncREST
// (instead of notify.ResyncREST) limits what a member reads to the calls of
// the partitions it holds, so that the group reports each call once.
//
// # Guarantees
//
// A notification answered 200 is stored (with the stream's replicas; a
// file-backed stream survives the server's restart). Each stored
// notification is reported by one member, and one call's notifications
// are handled in order by one member at a time. A takeover resumes after
// the last acknowledged notification, with the trackers' state rebuilt by
// replay, or with a Gap when the stream no longer reaches back far enough.
//
// Not guaranteed: a member that dies abruptly (not by Close) may have
// handed notify up to 32 notifications, or 20 ms of them, whose
// acknowledgement had not reached JetStream; its successor reports their
// changes again, and the events still in the dead member's buffer are lost
// with it. A receiver's 503 loses the notification unless RingCentral
// delivers it again, which the Gap covers. Partitions are balanced by
// count, not by load. The calls of a partition a member gave back stay in
// its trackers until they expire (telephony.WithEndedTTL), and a later
// resync of that member may report their end once more. Presence is
// resynchronised by every member for the extensions it follows.
package relay
