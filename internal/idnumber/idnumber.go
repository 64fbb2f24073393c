// Package idnumber validates and normalises Swedish identity numbers at the
// edge (D-C6): organisation numbers, personal identity numbers and HSA-ids.
//
// Canonical forms, as stored and returned by the API:
//   - organisation number: "NNNNNN-NNNN" (10 digits; a sole proprietor's is
//     the owner's personal number without the century);
//   - personal number: "YYYYMMDD-NNNN" (12 digits);
//   - HSA-id: "SE" + 10-digit organisation number + "-" + a local part.
package idnumber

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ErrInvalid is wrapped by every validation error of this package.
var ErrInvalid = errors.New("invalid identity number")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// luhn reports whether the digits pass the Luhn (mod 10) check.
func luhn(d string) bool {
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// stripSep removes one "-" or "+" separator and surrounding space.
func stripSep(s string) (digits string, ok bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		if len(s)-i != 5 {
			return "", false
		}
		s = s[:i] + s[i+1:]
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return s, true
}

// OrgNumber validates an organisation number and returns it in canonical
// form. It accepts 10 digits, 12 digits with the "16" prefix, and a sole
// proprietor's 12-digit personal number, with or without the dash.
func OrgNumber(s string) (string, error) {
	d, ok := stripSep(s)
	if !ok || (len(d) != 10 && len(d) != 12) {
		return "", invalid("an organisation number has 10 digits, as NNNNNN-NNNN")
	}
	if len(d) == 12 {
		if d[:2] == "16" {
			d = d[2:]
		} else {
			p, err := PersonalNumber(s)
			if err != nil {
				return "", err
			}
			d = strings.ReplaceAll(p[2:], "-", "")
		}
	}
	if !luhn(d) {
		return "", invalid("the check digit of organisation number %s-%s is wrong", d[:6], d[6:])
	}
	return d[:6] + "-" + d[6:], nil
}

// PersonalNumber validates a personal identity number (or co-ordination
// number, whose day is increased by 60) and returns "YYYYMMDD-NNNN". It
// accepts 12 digits, and 10 digits with Skatteverket's rule for the
// century: "YYMMDD-NNNN" (or no separator) is someone born in the last 100
// years, "YYMMDD+NNNN" someone 100 or older.
func PersonalNumber(s string) (string, error) {
	return personalNumberAt(s, time.Now())
}

func personalNumberAt(s string, now time.Time) (string, error) {
	d, ok := stripSep(s)
	if !ok || (len(d) != 12 && len(d) != 10) {
		return "", invalid("a personal number has 12 digits, as YYYYMMDD-NNNN, or 10, as YYMMDD-NNNN")
	}
	if len(d) == 10 {
		century, err := centuryOf(d, strings.Contains(s, "+"), now)
		if err != nil {
			return "", err
		}
		d = century + d
	}
	if _, err := birthDate(d); err != nil {
		return "", err
	}
	if !luhn(d[2:]) {
		return "", invalid("the check digit of personal number %s-%s is wrong", d[:8], d[8:])
	}
	return d[:8] + "-" + d[8:], nil
}

// birthDate returns the date a 12-digit personal number starts with.
func birthDate(d string) (time.Time, error) {
	day := int(d[6]-'0')*10 + int(d[7]-'0')
	if day > 60 {
		day -= 60 // samordningsnummer
	}
	t, err := time.Parse(time.DateOnly, fmt.Sprintf("%s-%s-%02d", d[:4], d[4:6], day))
	if err != nil {
		return time.Time{}, invalid("the personal number does not start with a valid date")
	}
	return t, nil
}

// centuryOf picks the century of a 10-digit number: the latest one that
// puts the birth date in the past, and for "+" (100 or older) the latest
// one that puts it at least 100 years back.
func centuryOf(d string, plus bool, now time.Time) (string, error) {
	for c := now.Year() / 100; c >= now.Year()/100-2; c-- {
		full := fmt.Sprintf("%02d", c) + d
		born, err := birthDate(full)
		if err != nil {
			return "", err
		}
		if born.After(now) || (plus && born.AddDate(100, 0, 0).After(now)) {
			continue
		}
		return full[:2], nil
	}
	return "", invalid("the personal number's birth date cannot be placed in a century")
}

var hsaPattern = regexp.MustCompile(`^SE[0-9]{10}-[A-Za-z0-9]{1,31}$`)

// HSAID validates an HSA-id ("SE2321000016-1003") and returns it with the
// country prefix in upper case.
func HSAID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 2 {
		s = strings.ToUpper(s[:2]) + s[2:]
	}
	if !hsaPattern.MatchString(s) {
		return "", invalid("an HSA-id is SE, a 10-digit organisation number, a dash and a local part")
	}
	if !luhn(s[2:12]) {
		return "", invalid("the organisation number in HSA-id %s has a wrong check digit", s)
	}
	return s, nil
}

// SameHolder reports whether a personal number belongs to the owner of a
// sole proprietorship with the given organisation number (D-P2): the org
// number is the personal number without the century.
func SameHolder(personalNumber, orgNumber string) bool {
	p, err1 := PersonalNumber(personalNumber)
	o, err2 := OrgNumber(orgNumber)
	return err1 == nil && err2 == nil && p[2:] == o
}

// WithCheckDigit appends the Luhn check digit to nine digits; for test and
// demo data that must pass validation.
func WithCheckDigit(nine string) string {
	for c := byte('0'); c <= '9'; c++ {
		if luhn(nine + string(c)) {
			return nine + string(c)
		}
	}
	panic("unreachable")
}
