package subscription

import (
	"encoding/json"
	"time"

	"github.com/ringwatch/ringwatch/internal/jsonx"
)

// The wire forms carry expiresIn as whole seconds; the Go types use
// time.Duration. Timestamps are decoded tolerantly ("Z" or "+0000").

// MarshalJSON encodes the request with expiresIn in seconds.
func (r CreateRequest) MarshalJSON() ([]byte, error) {
	type plain CreateRequest
	return json.Marshal(struct {
		plain
		ExpiresIn int64 `json:"expiresIn,omitempty"`
	}{plain(r), seconds(r.ExpiresIn)})
}

// UnmarshalJSON decodes the request with expiresIn in seconds.
func (r *CreateRequest) UnmarshalJSON(b []byte) error {
	type plain CreateRequest
	var w struct {
		*plain
		ExpiresIn    jsonx.Int64  `json:"expiresIn"`
		DeliveryMode wireDelivery `json:"deliveryMode"`
	}
	w.plain = (*plain)(r)
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.ExpiresIn = time.Duration(w.ExpiresIn) * time.Second
	r.DeliveryMode = w.DeliveryMode.to()
	return nil
}

// MarshalJSON encodes the request with expiresIn in seconds.
func (r UpdateRequest) MarshalJSON() ([]byte, error) {
	type plain UpdateRequest
	return json.Marshal(struct {
		plain
		ExpiresIn int64 `json:"expiresIn,omitempty"`
	}{plain(r), seconds(r.ExpiresIn)})
}

// UnmarshalJSON decodes the request with expiresIn in seconds.
func (r *UpdateRequest) UnmarshalJSON(b []byte) error {
	type plain UpdateRequest
	var w struct {
		*plain
		ExpiresIn jsonx.Int64 `json:"expiresIn"`
	}
	w.plain = (*plain)(r)
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.ExpiresIn = time.Duration(w.ExpiresIn) * time.Second
	return nil
}

// MarshalJSON encodes the subscription with expiresIn in seconds.
func (in Info) MarshalJSON() ([]byte, error) {
	type plain Info
	return json.Marshal(struct {
		plain
		ExpiresIn int64 `json:"expiresIn"`
	}{plain(in), seconds(in.ExpiresIn)})
}

// UnmarshalJSON decodes a subscription tolerantly, with expiresIn in
// seconds.
func (in *Info) UnmarshalJSON(b []byte) error {
	type plain Info
	var w struct {
		*plain
		ExpiresIn       jsonx.Int64  `json:"expiresIn"`
		ExpirationTime  jsonx.Time   `json:"expirationTime"`
		CreationTime    jsonx.Time   `json:"creationTime"`
		DeliveryMode    wireDelivery `json:"deliveryMode"`
		BlacklistedData *struct {
			BlacklistedAt jsonx.Time `json:"blacklistedAt"`
			Reason        string     `json:"reason"`
		} `json:"blacklistedData"`
	}
	w.plain = (*plain)(in)
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	in.ExpiresIn = time.Duration(w.ExpiresIn) * time.Second
	in.ExpirationTime = time.Time(w.ExpirationTime)
	in.CreationTime = time.Time(w.CreationTime)
	in.DeliveryMode = w.DeliveryMode.to()
	in.BlacklistedData = nil
	if bd := w.BlacklistedData; bd != nil {
		in.BlacklistedData = &BlacklistedData{BlacklistedAt: time.Time(bd.BlacklistedAt), Reason: bd.Reason}
	}
	return nil
}

// wireDelivery accepts "encryption" as a boolean or the string "true", as
// RingCentral's own PubNub example sends it.
type wireDelivery struct {
	TransportType       string     `json:"transportType"`
	Address             string     `json:"address"`
	VerificationToken   string     `json:"verificationToken"`
	Encryption          jsonx.Bool `json:"encryption"`
	SubscriberKey       string     `json:"subscriberKey"`
	SecretKey           string     `json:"secretKey"`
	EncryptionAlgorithm string     `json:"encryptionAlgorithm"`
	EncryptionKey       string     `json:"encryptionKey"`
	CertificateName     string     `json:"certificateName"`
	RegistrationID      string     `json:"registrationId"`
}

func (w wireDelivery) to() DeliveryMode {
	return DeliveryMode{
		TransportType: w.TransportType, Address: w.Address, VerificationToken: w.VerificationToken,
		Encryption: bool(w.Encryption), SubscriberKey: w.SubscriberKey, SecretKey: w.SecretKey,
		EncryptionAlgorithm: w.EncryptionAlgorithm, EncryptionKey: w.EncryptionKey,
		CertificateName: w.CertificateName, RegistrationID: w.RegistrationID,
	}
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }
