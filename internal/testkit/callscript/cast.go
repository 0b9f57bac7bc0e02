package callscript

// Cast is who takes part in the shipped scenarios: user extensions of the
// account (two at least; they are reused when a scenario needs more), a
// call-queue extension and outside numbers.
type Cast struct {
	Users   []Endpoint
	Queue   Endpoint
	Outside []Endpoint
}

// DefaultCast returns the cast of the fake platform's default account:
// Alice, Bob and Charlie (230000101 to 230000103), the queue "Support" and
// two outside callers.
func DefaultCast() Cast {
	return NewCast([]Extension{
		{ID: "230000101", Number: "101", Name: "Alice Smith", PhoneNumber: "+16505550101"},
		{ID: "230000102", Number: "102", Name: "Bob Brown", PhoneNumber: "+16505550102"},
		{ID: "230000103", Number: "103", Name: "Charlie Williams", PhoneNumber: "+16505550103"},
	}, Extension{ID: "230000901", Number: "901", Name: "Support", PhoneNumber: "+16505550901"},
		"+14155550123", "+12125550187")
}

// NewCast returns a cast of the given user extensions, call queue and
// outside numbers (two defaults when none is given).
func NewCast(users []Extension, queue Extension, outside ...string) Cast {
	c := Cast{Queue: QueueEndpoint("queue", queue)}
	for _, u := range users {
		c.Users = append(c.Users, UserEndpoint("", u))
	}
	if len(outside) == 0 {
		outside = []string{"+14155550123", "+12125550187"}
	}
	for _, n := range outside {
		c.Outside = append(c.Outside, ExternalEndpoint("", n, ""))
	}
	return c
}

// Rotate returns the cast with its users and outside numbers shifted by n,
// so that the same scenario involves other extensions.
func (c Cast) Rotate(n int) Cast {
	rot := func(s []Endpoint) []Endpoint {
		if len(s) == 0 {
			return nil
		}
		k := ((n % len(s)) + len(s)) % len(s)
		return append(append([]Endpoint(nil), s[k:]...), s[:k]...)
	}
	return Cast{Users: rot(c.Users), Queue: c.Queue, Outside: rot(c.Outside)}
}

// user returns the i-th user (wrapping), labelled; a cast without users
// gives an endpoint that no step accepts.
func (c Cast) user(i int, label string) Endpoint {
	if len(c.Users) == 0 {
		return Endpoint{Label: label}
	}
	return c.Users[i%len(c.Users)].As(label)
}

func (c Cast) outside(i int, label string) Endpoint {
	if len(c.Outside) == 0 {
		return ExternalEndpoint(label, "+14155550123", "")
	}
	return c.Outside[i%len(c.Outside)].As(label)
}
