package callscript

// Kind says what an Endpoint is.
type Kind uint8

// The kinds of endpoint.
const (
	// User is a user extension: it has telephony parties and presence.
	User Kind = iota
	// Queue is a call-queue extension: it has telephony parties but no
	// telephony presence (RingCentral omits it for department extensions).
	Queue
	// External is a number outside the account (PSTN).
	External
)

// Endpoint is one end of a scripted call. Label names its party in the
// steps and expectations of a script ("caller", "agent1").
type Endpoint struct {
	Label string
	Kind  Kind
	// ExtensionID, ExtensionNumber and Name identify an extension;
	// PhoneNumber is its direct number in E.164 form (or the outside
	// number).
	ExtensionID, ExtensionNumber, Name, PhoneNumber string
}

// Extension is an extension of the account, as a cast is built from.
type Extension struct {
	ID, Number, Name, PhoneNumber string
}

// UserEndpoint returns the endpoint of a user extension.
func UserEndpoint(label string, e Extension) Endpoint {
	return Endpoint{Label: label, Kind: User, ExtensionID: e.ID, ExtensionNumber: e.Number, Name: e.Name, PhoneNumber: e.PhoneNumber}
}

// QueueEndpoint returns the endpoint of a call-queue extension.
func QueueEndpoint(label string, e Extension) Endpoint {
	return Endpoint{Label: label, Kind: Queue, ExtensionID: e.ID, ExtensionNumber: e.Number, Name: e.Name, PhoneNumber: e.PhoneNumber}
}

// ExternalEndpoint returns an outside (PSTN) number; name may be empty.
func ExternalEndpoint(label, number, name string) Endpoint {
	return Endpoint{Label: label, Kind: External, PhoneNumber: number, Name: name}
}

// As returns the endpoint with another label.
func (e Endpoint) As(label string) Endpoint { e.Label = label; return e }

// internal reports whether the endpoint is an extension of the account.
func (e Endpoint) internal() bool { return e.Kind != External && e.ExtensionID != "" }

// number is the number the endpoint shows on a call: the extension number
// on calls between extensions, the direct number otherwise.
func (e Endpoint) number(internalCall bool) string {
	if e.Kind == External {
		return e.PhoneNumber
	}
	if internalCall && e.ExtensionNumber != "" {
		return e.ExtensionNumber
	}
	if e.PhoneNumber != "" {
		return e.PhoneNumber
	}
	return e.ExtensionNumber
}
