package telemetry

import "regexp"

// The patterns Redact removes. Word boundaries keep digits inside IDs,
// request ids and trace ids (letters and digits run together) intact.
var (
	emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	// A Swedish personal or coordination number in any of the forms
	// clients send: YYYYMMDD-NNNN, YYMMDD-NNNN, YYMMDD+NNNN (over 100)
	// and the same without separator. Organisation numbers share the
	// form and go too: a sole proprietor's is their personal number.
	personalNumberPattern = regexp.MustCompile(`\b(?:\d{2})?\d{6}[-+]?\d{4}\b`)
	// A phone number in E.164 or international form (+46 70 123 45 67,
	// 0046…) or national form (070-123 45 67, 08-123 456 78).
	phonePattern = regexp.MustCompile(`(?:\+|\b00)\d(?:[ \-]?\d){6,13}\b|\b0\d(?:[ \-]?\d){6,10}\b`)
)

// Redacted stand-ins, without digits, so no pattern matches them again.
const (
	RedactedEmail          = "[email]"
	RedactedPersonalNumber = "[personal number]"
	RedactedPhone          = "[phone]"
)

// Redact returns s with every e-mail address, personal number and phone
// number replaced by a stand-in. It is the one redaction of the service:
// the log handler applies it to every message and attribute, the tracer to
// what spans carry, so no path of an error (a database's detail naming the
// row's values, a panic, a dependency's message) writes personal data out.
// Strings with fewer than seven digits and no @ are returned as they are
// without running a pattern, which keeps the common case cheap.
func Redact(s string) string {
	if !mayHoldPersonalData(s) {
		return s
	}
	s = emailPattern.ReplaceAllLiteralString(s, RedactedEmail)
	s = personalNumberPattern.ReplaceAllLiteralString(s, RedactedPersonalNumber)
	return phonePattern.ReplaceAllLiteralString(s, RedactedPhone)
}

func mayHoldPersonalData(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '@':
			return true
		case c >= '0' && c <= '9':
			digits++
		}
	}
	return digits >= 7
}
