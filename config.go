package ringwatch

// Config holds what ringwatch needs to log in to RingCentral: the server,
// the app's client credentials and the user's JWT credential.
type Config struct {
	// ServerURL is the API base URL, such as https://platform.ringcentral.com.
	ServerURL string
	// ClientID and ClientSecret identify the app (Basic client
	// authentication at the token endpoint).
	ClientID, ClientSecret string
	// JWT is the user's JWT credential from the Developer Console; it is
	// exchanged for an access token with the JWT bearer grant.
	JWT string
}
