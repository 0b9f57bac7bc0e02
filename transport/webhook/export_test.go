package webhook

// withAPI makes the Transport use api instead of a subscription client
// built from the *ringwatch.Client.
func withAPI(api subscriptionAPI) Option {
	return func(o *options) { o.api = api }
}

// newWithAPI returns a Transport over api (a fake, or nil).
func newWithAPI(api subscriptionAPI, address string, opts ...Option) *Transport {
	if api == nil {
		return New(nil, address, opts...)
	}
	return New(nil, address, append(opts, withAPI(api))...)
}

// WithAPI is withAPI for the external tests, whose Subscription API
// client has its retry waits recorded.
func WithAPI(api subscriptionAPI) Option { return withAPI(api) }
