// Package subscription is the client for RingCentral's Subscription API and
// the home of event filters.
//
// Filters are built with AccountTelephonySessions, ExtensionTelephonySessions,
// ExtensionPresence (with Detailed and WithSIP), LinePresence,
// FavoritePresence, AccountPresence and RenewalReminder, and classified with
// ParseFilter, which also accepts the server's expanded form (the "~"
// replaced by numeric ids). Client creates, reads, renews and deletes
// subscriptions; its errors are *ringwatch.APIError values that work with errors.Is
// for ErrNotFound and ErrRateLimited.
package subscription
