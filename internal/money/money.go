// Package money holds the Amount type: Swedish kronor as an integer number of
// öre, so that no price or sum is ever a floating-point number (D-S5).
package money

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"kundportal/internal/apperr"
)

// Amount is an amount of Swedish kronor in öre (1 kr = 100 öre).
type Amount int64

// Kronor returns the amount of whole kronor kr, e.g. Kronor(85) is 85,00 kr.
func Kronor(kr int64) Amount { return Amount(kr * 100) }

// Ore returns the amount in öre.
func (a Amount) Ore() int64 { return int64(a) }

// String formats the amount as a decimal number of kronor with two
// decimals and a point, e.g. "25000.00" or "-0.50".
func (a Amount) String() string {
	sign := ""
	v := int64(a)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Parse reads a decimal number of kronor with at most two decimals
// ("85", "85.5", "85.50", "-3.05"). It refuses floats written with exponents
// and more than two decimals, so that nothing is silently rounded.
func Parse(s string) (Amount, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("money: empty amount")
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || (hasFrac && (len(frac) == 0 || len(frac) > 2 || !digits(frac))) {
		return 0, fmt.Errorf("money: %q is not an amount of kronor with at most two decimals", s)
	}
	kr, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || kr > (1<<62)/100 {
		return 0, fmt.Errorf("money: %q is out of range", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	ore, _ := strconv.ParseInt(frac, 10, 64)
	v := kr*100 + ore
	if neg {
		v = -v
	}
	return Amount(v), nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// MulPercent returns the amount raised (or lowered) by the given number of
// hundredths of a percent, rounded half away from zero to whole öre; 400 is
// +4 %.
func (a Amount) MulPercent(basisPoints int64) Amount {
	n := int64(a) * (10000 + basisPoints)
	q, r := n/10000, n%10000
	if r >= 5000 {
		q++
	} else if r <= -5000 {
		q--
	}
	return Amount(q)
}

// Times returns the amount multiplied by a whole quantity.
func (a Amount) Times(n int) Amount { return a * Amount(n) }

// MarshalGQL writes the amount as a GraphQL string such as "85.00".
func (a Amount) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(a.String()))
}

// UnmarshalGQL reads a string such as "85.00" or a whole number of kronor.
func (a *Amount) UnmarshalGQL(v any) error {
	if err := a.unmarshalGQL(v); err != nil {
		return apperr.Invalid(err)
	}
	return nil
}

func (a *Amount) unmarshalGQL(v any) error {
	switch x := v.(type) {
	case string:
		p, err := Parse(x)
		if err != nil {
			return err
		}
		*a = p
		return nil
	case int:
		*a = Kronor(int64(x))
		return nil
	case int64:
		*a = Kronor(x)
		return nil
	case json.Number:
		p, err := Parse(x.String())
		if err != nil {
			return err
		}
		*a = p
		return nil
	default:
		return fmt.Errorf("money: an amount is a string of kronor such as \"85.00\", got %T", v)
	}
}

// Value implements driver.Valuer: the database stores öre as a bigint.
func (a Amount) Value() (driver.Value, error) { return int64(a), nil }

// Scan implements sql.Scanner.
func (a *Amount) Scan(src any) error {
	switch x := src.(type) {
	case int64:
		*a = Amount(x)
	case nil:
		*a = 0
	default:
		return fmt.Errorf("money: cannot scan %T", src)
	}
	return nil
}
