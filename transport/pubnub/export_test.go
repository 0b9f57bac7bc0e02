package pubnub

// withAPI makes the transport use api instead of a subscription client
// built from the *ringwatch.Client.
func withAPI(api subscriptionAPI) Option {
	return func(o *options) { o.api = api }
}

// newWithAPI returns a transport over api (a fake).
func newWithAPI(api subscriptionAPI, opts ...Option) *Transport {
	return New(nil, append(opts, withAPI(api))...)
}

// WithAPI is withAPI for the external tests, whose Subscription API
// client has its retry waits recorded.
func WithAPI(api subscriptionAPI) Option { return withAPI(api) }
