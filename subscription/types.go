package subscription

import (
	"time"
)

// Transport types (DeliveryMode.TransportType).
const (
	TransportWebHook   = "WebHook"
	TransportWebSocket = "WebSocket"
	TransportPubNub    = "PubNub" // deprecated by RingCentral
	TransportAPNS      = "RC/APNS"
	TransportGCM       = "RC/GCM"
)

// Status is the state of a subscription. It is an open string: RingCentral
// has documented different sets over time.
type Status string

// The statuses RingCentral has documented.
const (
	Active      Status = "Active"
	Suspended   Status = "Suspended"
	Blacklisted Status = "Blacklisted"
	Blocked     Status = "Blocked"
)

// DeliveryMode says how notifications reach the subscriber. Which fields are
// used depends on TransportType.
type DeliveryMode struct {
	// TransportType is WebHook, WebSocket or PubNub (deprecated).
	TransportType string `json:"transportType"`
	// Address is the webhook URL (WebHook) or the PubNub channel (PubNub).
	Address string `json:"address,omitempty"`
	// VerificationToken is sent back in the Verification-Token header of
	// every webhook notification (WebHook, request only).
	VerificationToken string `json:"verificationToken,omitempty"`
	// Encryption asks for encrypted PubNub messages; RingCentral forces it
	// on for presence filters.
	Encryption bool `json:"encryption,omitempty"`
	// SubscriberKey is the PubNub subscribe key (PubNub, response).
	SubscriberKey string `json:"subscriberKey,omitempty"`
	// SecretKey is the PubNub secret key (PubNub, response).
	SecretKey string `json:"secretKey,omitempty"`
	// EncryptionAlgorithm is "AES" when Encryption is on (PubNub, response).
	EncryptionAlgorithm string `json:"encryptionAlgorithm,omitempty"`
	// EncryptionKey is the base64 AES-128 key of the messages (PubNub,
	// response).
	EncryptionKey string `json:"encryptionKey,omitempty"`
	// CertificateName and RegistrationID are used by RingCentral's mobile
	// push transports.
	CertificateName string `json:"certificateName,omitempty"`
	RegistrationID  string `json:"registrationId,omitempty"`
}

// String describes the delivery mode without its secrets.
func (d DeliveryMode) String() string {
	s := d.TransportType
	if d.Address != "" && d.TransportType == TransportWebHook {
		s += " " + d.Address
	}
	return s
}

// CreateRequest is the body of a create request.
type CreateRequest struct {
	// EventFilters lists the filters to subscribe to (at least one).
	EventFilters []Filter `json:"eventFilters"`
	// DeliveryMode says where notifications go.
	DeliveryMode DeliveryMode `json:"deliveryMode"`
	// ExpiresIn is the requested lifetime; zero leaves it to RingCentral.
	// It is sent in whole seconds.
	ExpiresIn time.Duration `json:"-"`
}

// UpdateRequest is the body of an update request. RingCentral ignores
// everything but the filters and the lifetime, and an empty update renews
// the subscription.
type UpdateRequest struct {
	EventFilters []Filter      `json:"eventFilters,omitempty"`
	ExpiresIn    time.Duration `json:"-"`
}

// Info is a subscription as RingCentral describes it.
type Info struct {
	// ID identifies the subscription (a UUID in practice).
	ID string `json:"id"`
	// URI is the subscription resource's address.
	URI string `json:"uri,omitempty"`
	// EventFilters are the filters actually subscribed, with "~" replaced by
	// concrete ids.
	EventFilters []Filter `json:"eventFilters"`
	// DisabledFilters lists filters that were not subscribed, with why.
	DisabledFilters []DisabledFilter `json:"disabledFilters,omitempty"`
	// ExpirationTime is when the subscription expires.
	ExpirationTime time.Time `json:"expirationTime,omitzero"`
	// ExpiresIn is the remaining lifetime when the response was made.
	ExpiresIn time.Duration `json:"-"`
	// Status is Active, or Blacklisted, Suspended, Blocked.
	Status Status `json:"status"`
	// CreationTime is when the subscription was created.
	CreationTime time.Time `json:"creationTime,omitzero"`
	// DeliveryMode is the delivery mode, with the transport's response
	// fields (the PubNub channel and keys).
	DeliveryMode DeliveryMode `json:"deliveryMode"`
	// BlacklistedData says when and why a webhook was blacklisted.
	BlacklistedData *BlacklistedData `json:"blacklistedData,omitempty"`
}

// DisabledFilter is a filter RingCentral did not subscribe to.
type DisabledFilter struct {
	Filter  string `json:"filter"`
	Reason  string `json:"reason"` // an error code such as SUB-412
	Message string `json:"message,omitempty"`
}

// BlacklistedData says when and why a webhook subscription was blacklisted.
type BlacklistedData struct {
	BlacklistedAt time.Time `json:"blacklistedAt,omitzero"`
	Reason        string    `json:"reason,omitempty"`
}

// List is the response of a list request.
type List struct {
	URI     string `json:"uri,omitempty"`
	Records []Info `json:"records"`
}
