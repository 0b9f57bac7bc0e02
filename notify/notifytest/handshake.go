package notifytest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// maxHandshakeResponse is RingCentral's limit on the validation answer,
// headers and body together.
const maxHandshakeResponse = 1024

// webhookUserAgent is the User-Agent RingCentral's webhook requests carry.
const webhookUserAgent = "RingCentral-Webhook/8.3"

// handshake runs RingCentral's validation request against a webhook
// address: a POST without body carrying a random Validation-Token header,
// which must come back in a 200 answer within the handshake timeout and
// under 1024 bytes. It holds no lock, so the webhook may call the platform
// while it answers.
func (p *Platform) handshake(ctx context.Context, address string) *apiError {
	ctx, cancel := context.WithTimeout(ctx, p.set.handshakeTimeout)
	defer cancel()
	stop := context.AfterFunc(p.ctx, cancel) // Close cancels it too
	defer stop()

	token := newUUID()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, address, http.NoBody)
	if err != nil {
		return unreachable()
	}
	req.Header.Set("Validation-Token", token)
	req.Header.Set("User-Agent", webhookUserAgent)
	req.Header.Set("Accept", "application/json")
	client := &http.Client{
		Transport:     p.outbound,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		p.log.Debug("notifytest: webhook handshake failed", "host", hostOf(address), "err", redactErr(err))
		return unreachable()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHandshakeResponse+1))
	if err != nil {
		p.log.Debug("notifytest: webhook handshake answer unreadable", "host", hostOf(address), "err", redactErr(err))
		return unreachable()
	}
	size := responseSize(resp, len(body))
	p.log.Debug("notifytest: webhook handshake answered", "host", hostOf(address), "status", resp.StatusCode, "bytes", size)
	switch {
	case resp.StatusCode != http.StatusOK:
		// A webhook that answers with an error is "not reachable" for
		// RingCentral's purposes.
		return unreachable()
	case size > maxHandshakeResponse:
		return errorf(http.StatusBadRequest, "SUB-525", "WebHook server response is invalid")
	case resp.Header.Get("Validation-Token") != token:
		return errorf(http.StatusBadRequest, "SUB-520", "Validation Token is not returned")
	}
	return nil
}

// hostOf returns the host of an address, for logs: the rest of a webhook
// URL may carry a secret (?auth_token=…).
func hostOf(address string) string {
	u, err := url.Parse(address)
	if err != nil {
		return ""
	}
	return u.Host
}

// redactErr drops the URL from a *url.Error, for the same reason.
func redactErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}

func unreachable() *apiError {
	return errorf(http.StatusBadRequest, "SUB-521", "WebHook is not reachable")
}

// responseSize estimates the size of the answer on the wire: status line,
// headers as "Key: value\r\n", the blank line and the body. net/http moves
// Content-Length and Transfer-Encoding out of the header map; they are
// counted back in.
func responseSize(resp *http.Response, bodyLen int) int {
	n := len("HTTP/1.1 ") + len(resp.Status) + 2
	for k, vs := range resp.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	if resp.Header.Get("Content-Length") == "" && resp.ContentLength >= 0 {
		n += len("Content-Length: ") + len(strconv.FormatInt(resp.ContentLength, 10)) + 2
	}
	for _, te := range resp.TransferEncoding {
		n += len("Transfer-Encoding: ") + len(te) + 2
	}
	return n + 2 + bodyLen
}
