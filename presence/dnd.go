package presence

// DNDEvent is the body of an extension's do-not-disturb notification, the
// …/extension/{extensionId}/presence/dnd filter (RingCentral's "Extension
// DND Status Event", since API 1.0.46). It says only which extension and
// its new DND status; the rest of the extension's presence comes with the
// presence filters.
type DNDEvent struct {
	// ExtensionID is the extension whose DND status changed.
	ExtensionID string `json:"extensionId,omitempty"`
	// DNDStatus is the new do-not-disturb status, one of the DNDStatus
	// constants (TakeAllCalls, DoNotAcceptAnyCalls, …); other values are
	// kept as they came.
	DNDStatus string `json:"dndStatus,omitempty"`
	// DNDStatusPersonal is the DND status of a user extension under the
	// new communication handling service. RingCentral documents only
	// extensionId and dndStatus for this event; dndStatusPersonal is read
	// when it is sent, as on the presence bodies.
	DNDStatusPersonal string `json:"dndStatusPersonal,omitempty"`
}
