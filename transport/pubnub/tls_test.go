package pubnub

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/testkit/fakepubnub"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport"
)

func TestSecureOrigin(t *testing.T) {
	leakcheck.Check(t)
	e := &env{pn: fakepubnub.New(), api: newFakeAPI()}
	e.pn.SetHoldMax(time.Second)
	e.hs = httptest.NewTLSServer(e.pn)
	t.Cleanup(func() { e.pn.Close(); e.hs.Close() })
	pool := x509.NewCertPool()
	pool.AddCert(e.hs.Certificate())
	u, _ := url.Parse(e.hs.URL)

	tr := newWithAPI(e.api, WithOrigin(u.Host, true), WithTLSConfig(&tls.Config{RootCAs: pool}))
	s := newSink()
	if err := tr.Open(context.Background(), filters, s); err != nil {
		t.Fatal(err)
	}
	s.waitState(t, transport.Connected, 1)
	e.publish(t, "sub-1", envelope("tls"))
	if diff := cmp.Diff([]string{envelope("tls")}, s.waitMessages(t, 1)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if err := tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
