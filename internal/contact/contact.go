// Package contact normalises and checks e-mail addresses and mobile phone
// numbers, as people type them into forms, into the one form the data
// layer stores: the same rules at the edge and in ent/schema's validators.
package contact

import (
	"errors"
	"regexp"
	"strings"
)

var (
	// emailPattern is deliberately loose: one @, no spaces, a dot in the
	// domain. Deliverability is proven by the first e-mail, not a regexp.
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	// phonePattern is an E.164 number, as SMS gateways need it.
	phonePattern = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// Email returns the address trimmed, or an error if it is not one.
func Email(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 320 || !emailPattern.MatchString(s) {
		return "", errors.New("not an e-mail address")
	}
	return s, nil
}

// Phone returns a mobile number in E.164 form (+46701234567): spaces,
// dashes and parentheses are dropped, a Swedish national number (leading
// 0) gets +46 and 0046 becomes +46.
func Phone(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')', '\u00a0':
			return -1
		}
		return r
	}, s)
	switch {
	case strings.HasPrefix(s, "00"):
		s = "+" + s[2:]
	case strings.HasPrefix(s, "0"):
		s = "+46" + s[1:]
	}
	if !phonePattern.MatchString(s) {
		return "", errors.New("not a phone number; give it as +46701234567 or 070-123 45 67")
	}
	return s, nil
}
