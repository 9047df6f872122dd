/**
 * The masking processor's built-in detectors, by the name a description gives in `masking.detect`.
 * Each finds one kind of personal data or secret, validated where a check exists, so that an order
 * number is not taken for a card. Matches become `[REDACTED:<name>]`.
 */
export const DETECTORS = {
  email: "e-mail addresses, also percent-encoded, full-width or with zero-width characters around the @",
  card_number:
    "payment card numbers: 13 to 19 digits, grouped by spaces, dashes, dots or non-breaking spaces, with a known issuer prefix and a valid Luhn check",
  iban: "IBANs with a valid mod-97 check",
  phone:
    "phone numbers in E.164 form (+...), international form with 00, and national forms with a trunk 0 or an area code in parentheses",
  bearer: "`Bearer` credentials",
  basic_auth: "`Basic` credentials",
  jwt: "JSON Web Tokens",
  ipv4: "IPv4 addresses",
  ipv6: "IPv6 addresses",
  secret_keys:
    "values under keys that name a secret, such as authorization, cookie, set-cookie, x-api-key, api-key, names ending in token (access_token, x-auth-token), secret, password or session id, and URL query parameters with such names",
} as const;

export type DetectorName = keyof typeof DETECTORS;
export const DETECTOR_NAMES = Object.keys(DETECTORS) as DetectorName[];
