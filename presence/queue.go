package presence

// QueueEvent is the body of an agent's call-queue availability
// notification, the …/extension/{extensionId}/call-queues/presence filter
// (RingCentral's "Call Queue Presence Event", CallQueuePresenceEventBody in
// RingCentral's API definitions): one agent, one queue, and whether the
// agent takes that queue's calls.
//
// It is not the call-queue member presence
// (…/call-queues/{groupId}/presence), whose body lists every member of a
// queue and decodes into Event.QueueMembers.
type QueueEvent struct {
	// ExtensionID is the agent's extension.
	ExtensionID string `json:"extensionId,omitempty"`
	// CallQueueID is the call queue's extension.
	CallQueueID string `json:"callQueueId,omitempty"`
	// AcceptCalls reports whether the agent takes calls of this queue.
	AcceptCalls bool `json:"acceptCalls"`
}
