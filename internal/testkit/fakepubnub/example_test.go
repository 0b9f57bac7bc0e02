package fakepubnub_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/ringwatch/ringwatch/internal/testkit/fakepubnub"
)

func Example() {
	f := fakepubnub.New()
	hs := httptest.NewServer(f)
	defer hs.Close()
	defer f.Close() // before hs.Close: releases held polls

	tt := f.Publish("channel-1", map[string]string{"uuid": "1"})
	resp, err := http.Get(fmt.Sprintf("%s/v2/subscribe/sub-c-1/channel-1/0?tt=%d", hs.URL, tt-1))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(string(b))
	// Output: {"t":{"t":"17000000000010000","r":1},"m":[{"a":"4","f":0,"i":"fakepubnub","p":{"t":"17000000000010000","r":1},"k":"sub-c-1","c":"channel-1","d":{"uuid":"1"}}]}
}
