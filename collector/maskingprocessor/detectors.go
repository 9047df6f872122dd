package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

// detector is one built-in detector: what it finds in text, what it finds in
// the decimal form of numbers (nil: nothing), and whether it judges key
// names (secret_keys).
type detector struct {
	text    *finder
	numbers *finder
	keys    bool
}

// detectorNames in the order the masker runs them: credentials first (they
// hold "@", ":" and digits the others would cut in pieces), then email
// before the digit-based ones (an address may hold digits), cards before
// phones, IPv6 before IPv4 (an IPv6 address may end in an IPv4 one).
var detectorNames = []string{
	"basic_auth", "bearer", "jwt", "secret_keys", "email", "iban", "card_number", "phone", "ipv6", "ipv4",
}

var detectorByName = map[string]detector{
	"basic_auth":  {text: &basicAuthFinder},
	"bearer":      {text: &bearerFinder},
	"jwt":         {text: &jwtFinder},
	"secret_keys": {text: &secretParamFinder, keys: true},
	"email":       {text: &emailFinder},
	"iban":        {text: &ibanFinder},
	"card_number": {text: &cardFinder, numbers: &cardFinder},
	"phone":       {text: &phoneFinder, numbers: &phoneNumericFinder},
	"ipv6":        {text: &ipv6Finder},
	"ipv4":        {text: &ipv4Finder},
}
