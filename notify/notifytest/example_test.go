package notifytest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
)

// The platform accepts the credentials of Config: log in with the JWT
// bearer grant, then call the API with the access token.
func ExampleNewPlatform() {
	p := notifytest.NewPlatform()
	defer p.Close()
	if err := p.Err(); err != nil {
		fmt.Println(err)
		return
	}
	cfg := p.Config()
	fmt.Println("server set:", cfg.ServerURL == p.URL() && cfg.ServerURL != "")

	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {cfg.JWT}}
	req, _ := http.NewRequest("POST", cfg.ServerURL+"/restapi/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(cfg.ClientID, cfg.ClientSecret)
	resp, err := p.HTTPClient().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		OwnerID     string `json:"owner_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	fmt.Println("logged in as", tok.OwnerID)

	_ = p.SetPresence(tok.OwnerID, presence.Event{TelephonyStatus: presence.Ringing})
	req, _ = http.NewRequest("GET", cfg.ServerURL+"/restapi/v1.0/account/~/extension/~/presence", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = p.HTTPClient().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var info presence.Info
	_ = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	fmt.Println(resp.Header.Get("X-Rate-Limit-Group"), info.ExtensionNumber, info.TelephonyStatus)
	// Output:
	// server set: true
	// logged in as 230000101
	// Light 101 Ringing
}

// FailNext makes the next matching requests fail as RingCentral does when
// a client is rate limited.
func ExamplePlatform_FailNext() {
	p := notifytest.NewPlatform()
	defer p.Close()
	p.FailNext("POST", "/restapi/v1.0/subscription", http.StatusTooManyRequests, "2", 1)

	token, _ := p.AccessToken(p.Owner().ID)
	body := `{"eventFilters":["/restapi/v1.0/account/~/extension/~/presence"],"deliveryMode":{"transportType":"PubNub"}}`
	for range 2 {
		req, _ := http.NewRequest("POST", p.URL()+"/restapi/v1.0/subscription", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := p.HTTPClient().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		var in subscription.Info
		_ = json.NewDecoder(resp.Body).Decode(&in)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), in.EventFilters)
	}
	// Output:
	// 429 2 []
	// 200  [/restapi/v1.0/account/230000001/extension/230000101/presence]
}
