package telemetry

import "testing"

func TestRedactRemovesPersonalData(t *testing.T) {
	for in, want := range map[string]string{
		"19121212-1212":                               RedactedPersonalNumber,
		"191212121212":                                RedactedPersonalNumber,
		"121212-1212 and 121212+1212":                 RedactedPersonalNumber + " and " + RedactedPersonalNumber,
		"1212121212":                                  RedactedPersonalNumber,
		"(personal_number)=(19760412-9846)":           "(personal_number)=(" + RedactedPersonalNumber + ")",
		`Key (email)=(x.y@example.se) already exists`: `Key (email)=(` + RedactedEmail + `) already exists`,
		"to +46701234567":                             "to " + RedactedPhone,
		"+46 70 123 45 67":                            RedactedPhone,
		"070-123 45 67":                               RedactedPhone,
		"0046701234567":                               RedactedPhone,
		"ring 08-123 456 78":                          "ring " + RedactedPhone,
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactKeepsWhatIsNotPersonal(t *testing.T) {
	for _, s := range []string{
		"PE01JFZ3Q4X8V1234567890ABCDE",     // an ID with a digit run inside
		"4bf92f3577b34da6a3ce929d0e0e4736", // a trace id
		"your code is 123456",              // an attestation code
		"2026-12-01T18:31:14.123456789Z",
		"SE2321000016-P7XK2", // an HSA-id is a work identity, not personal data
		"recipient_domain example.se",
		"took 1.234567s",
	} {
		if got := Redact(s); got != s {
			t.Errorf("Redact(%q) = %q, want it unchanged", s, got)
		}
	}
}
