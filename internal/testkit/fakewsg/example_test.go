package fakewsg_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"

	"github.com/ringwatch/ringwatch/internal/testkit/fakewsg"
)

func Example() {
	gw := fakewsg.New(fakewsg.Config{})
	srv := httptest.NewServer(gw)
	defer srv.Close()
	defer gw.Close()

	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"?access_token=t", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.CloseNow()
	_, first, _ := ws.Read(ctx)
	fmt.Println(strings.Contains(string(first), `"type":"ConnectionDetails"`))
	// Output: true
}
