// Package rest is the one HTTP layer under every ringwatch REST client
// (subscription, telephony, presence): it builds requests, sends them
// through the caller's authorised *http.Client, turns RingCentral's error
// bodies into *APIError, reads the X-Rate-Limit-* headers and retries what
// RingCentral says may be retried.
//
// Retries: a 429 waits for Retry-After (seconds or an HTTP date; 30 s when
// absent) and a 502, 503 or 504 waits a capped exponential backoff with
// full jitter, up to a bounded number of attempts. Other answers, and
// transport errors (the request may have been applied), are never retried.
// Every wait honours the context, and the clock is injectable so that
// tests never sleep.
package rest
