package maskingprocessor // import "github.com/shop3d/tracegen/collector/maskingprocessor"

// phonePlan is what a country's numbering plan allows after its calling
// code: the length of the national significant number (NSN) and the digits
// it may start with.
type phonePlan struct {
	minNSN, maxNSN int
	first          string // allowed first digits of the NSN; "" = 1-9
}

// phonePlans covers the calling codes of the countries the shop sells to and
// the most populous others. A number under a code not listed here is not a
// phone when it comes as a number (see phoneNumeric); in text it follows the
// general E.164 length.
var phonePlans = map[string]phonePlan{
	"1": {10, 10, "23456789"}, "7": {10, 10, "3489"},
	"20": {8, 10, ""}, "27": {9, 9, "12345678"}, "30": {10, 10, "26"}, "31": {9, 9, ""},
	"32": {8, 9, ""}, "33": {9, 9, ""}, "34": {9, 9, "6789"}, "36": {8, 9, ""},
	"39": {6, 11, "03"}, "40": {9, 9, "237"}, "41": {9, 9, ""}, "43": {7, 13, ""},
	"44": {9, 10, "1235789"}, "45": {8, 8, "23456789"}, "46": {7, 9, ""}, "47": {8, 8, "23456789"},
	"48": {9, 9, ""}, "49": {7, 12, ""}, "51": {8, 9, ""}, "52": {10, 10, ""},
	"53": {8, 8, ""}, "54": {10, 11, ""}, "55": {10, 11, ""}, "56": {9, 9, ""},
	"57": {10, 10, ""}, "58": {10, 10, ""}, "60": {8, 10, ""}, "61": {9, 9, "23478"},
	"62": {9, 12, ""}, "63": {10, 10, ""}, "64": {8, 10, ""}, "65": {8, 8, "689"},
	"66": {8, 9, ""}, "81": {9, 10, ""}, "82": {8, 10, ""}, "84": {9, 10, ""},
	"86": {10, 11, ""}, "90": {10, 10, "2345"}, "91": {10, 10, ""}, "92": {9, 10, ""},
	"93": {9, 9, ""}, "94": {9, 9, ""}, "95": {7, 10, ""}, "98": {10, 10, ""},
	"212": {9, 9, ""}, "213": {9, 9, ""}, "216": {8, 8, ""}, "233": {9, 9, ""},
	"234": {8, 10, ""}, "254": {9, 9, ""}, "255": {9, 9, ""}, "256": {9, 9, ""},
	"351": {9, 9, "29"}, "352": {6, 11, ""}, "353": {7, 9, ""}, "354": {7, 7, ""},
	"356": {8, 8, ""}, "357": {8, 8, ""}, "358": {6, 10, ""}, "359": {8, 9, ""},
	"370": {8, 8, ""}, "371": {8, 8, ""}, "372": {7, 8, ""}, "373": {8, 8, ""},
	"374": {8, 8, ""}, "375": {9, 9, ""}, "380": {9, 9, ""}, "381": {8, 9, ""},
	"385": {8, 9, ""}, "386": {8, 8, ""}, "387": {8, 8, ""}, "389": {8, 8, ""},
	"420": {9, 9, ""}, "421": {9, 9, ""}, "852": {8, 8, ""}, "853": {8, 8, ""},
	"880": {10, 10, ""}, "886": {8, 9, ""}, "961": {7, 8, ""}, "962": {8, 9, ""},
	"964": {10, 10, ""}, "965": {8, 8, ""}, "966": {9, 9, ""}, "968": {8, 8, ""},
	"971": {8, 9, ""}, "972": {8, 9, ""}, "973": {8, 8, ""}, "974": {8, 8, ""},
	"994": {9, 9, ""}, "995": {9, 9, ""}, "998": {9, 9, ""},
}

// fitsPlan reports whether d (country code then NSN) fits a plan in
// phonePlans. A code not in the table fits when strict is false.
func fitsPlan(d []byte, strict bool) bool {
	for k := 1; k <= 3 && k < len(d); k++ {
		plan, ok := phonePlans[string(d[:k])]
		if !ok {
			continue
		}
		nsn := d[k:]
		if len(nsn) < plan.minNSN || len(nsn) > plan.maxNSN || nsn[0] == '0' {
			return false
		}
		if plan.first != "" && !containsByte(plan.first, nsn[0]) {
			return false
		}
		if k == 1 && d[0] == '1' && nsn[3] < '2' { // NANP exchange code starts 2-9
			return false
		}
		return true
	}
	return !strict
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// Phone numbers sent as numbers (the numeric phone rule): the decimal form
// of a non-negative integer is a phone number when
//   - it has 11 to 15 digits: a number that lost its "+" or "00" keeps its
//     country code, and nothing shorter can be told from an order number
//     or a seconds timestamp (a national number parsed to an int has lost
//     its trunk 0; a North American number without its leading 1 is 10
//     digits and is not caught);
//   - it is not a Unix timestamp between 2000-01-01 and 2100-01-01 in
//     seconds, milliseconds, microseconds or nanoseconds;
//   - it does not start with a date YYYYMMDD of 2000-2099 (date-prefixed
//     order numbers such as 20240115001);
//   - it starts with a calling code in phonePlans and the rest fits that
//     country's plan (length and first digit).
var phoneNumericFinder = finder{
	need: prefilter{minDigits: 11, maxDigits: 15},
	next: nextPhoneNumeric,
}

// nextPhoneNumeric matches the whole decimal text of a number, or nothing.
func nextPhoneNumeric(s string, from int) (int, int) {
	if from != 0 || len(s) < 11 || len(s) > 15 {
		return -1, -1
	}
	d := []byte(s)
	for _, c := range d {
		if !isDigit(c) {
			return -1, -1
		}
	}
	if isUnixTimestamp(d) || startsWithDate(d) || !fitsPlan(d, true) {
		return -1, -1
	}
	return 0, len(s)
}

const (
	unixYear2000 = 946684800  // 2000-01-01T00:00:00Z
	unixYear2100 = 4102444800 // 2100-01-01T00:00:00Z
)

// isUnixTimestamp: d, read as seconds, ms, µs or ns since the epoch, falls
// in 2000..2100.
func isUnixTimestamp(d []byte) bool {
	if len(d) > 19 {
		return false
	}
	var v uint64
	for _, c := range d {
		v = v*10 + uint64(c-'0')
	}
	for scale := uint64(1); scale <= 1e9; scale *= 1000 {
		if v >= unixYear2000*scale && v <= unixYear2100*scale {
			return true
		}
	}
	return false
}

func startsWithDate(d []byte) bool {
	if len(d) < 8 {
		return false
	}
	year, month, day := prefixValue(d, 4), prefixValue(d[4:], 2), prefixValue(d[6:], 2)
	return year >= 2000 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= 31
}
