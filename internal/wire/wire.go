// Package wire connects notify to the model packages' streaming decoders
// without putting them in the public API: presence and telephony decode
// their bodies from a shared *jsonx.Reader (so that notify reads each
// notification in one pass), but a public method taking an internal type
// would be an exported method no user can call. Instead, each model
// package keeps its decoder unexported and stores it here from an init
// function; notify, which imports the model packages (so their init has
// run), calls it.
//
// The functions take the destination as any because this package cannot
// import the model packages (they import it); each one asserts its own
// type, and a wrong type is a programming error inside the module.
package wire

import "github.com/ringwatch/ringwatch/internal/jsonx"

// Decoders of the bodies, set by the model packages' init functions. Each
// decodes the value r is at into dst, as the type's UnmarshalJSON does,
// leaving r after it; what it skips is recorded on r.
var (
	// PresenceEvent decodes into a *presence.Event.
	PresenceEvent func(r *jsonx.Reader, dst any)
	// DNDEvent decodes into a *presence.DNDEvent.
	DNDEvent func(r *jsonx.Reader, dst any)
	// QueueEvent decodes into a *presence.QueueEvent.
	QueueEvent func(r *jsonx.Reader, dst any)
	// TelephonySession decodes into a *telephony.Session.
	TelephonySession func(r *jsonx.Reader, dst any)
)
