package idnumber

import (
	"errors"
	"testing"
	"time"
)

func TestDC6_OrgNumber(t *testing.T) {
	ok := map[string]string{
		"556016-0680":   "556016-0680",
		"5560160680":    "556016-0680",
		"16556016-0680": "556016-0680",
		"232100-0016":   "232100-0016",
		"19121212-1212": "121212-1212", // sole proprietor: the personal number
	}
	for in, want := range ok {
		got, err := OrgNumber(in)
		if err != nil || got != want {
			t.Errorf("OrgNumber(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"556016-0681", "55601606", "abcdef-ghij", "", "556016--680", "19121212-1213"} {
		if _, err := OrgNumber(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("OrgNumber(%q) accepted or wrong error: %v", bad, err)
		}
	}
}

func TestDC6_PersonalNumber(t *testing.T) {
	ok := map[string]string{
		"19121212-1212": "19121212-1212",
		"191212121212":  "19121212-1212",
		"19121272-1219": "19121272-1219", // co-ordination number, day + 60
	}
	for in, want := range ok {
		got, err := PersonalNumber(in)
		if err != nil || got != want {
			t.Errorf("PersonalNumber(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"19121212-1213", "19121332-1210", "19120230-1212", "x"} {
		if _, err := PersonalNumber(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("PersonalNumber(%q) accepted or wrong error: %v", bad, err)
		}
	}
}

func TestDC6_HSAID(t *testing.T) {
	if got, err := HSAID("se2321000016-1003"); err != nil || got != "SE2321000016-1003" {
		t.Fatalf("HSAID = %q, %v", got, err)
	}
	for _, bad := range []string{"SE2321000017-1003", "2321000016-1003", "SE2321000016-", "SE2321000016-ab cd"} {
		if _, err := HSAID(bad); err == nil {
			t.Errorf("HSAID(%q) accepted", bad)
		}
	}
}

func TestSameHolder(t *testing.T) {
	if !SameHolder("19121212-1212", "121212-1212") {
		t.Fatal("the owner's personal number must match the sole proprietorship's org number")
	}
	if SameHolder("19121212-1212", "556016-0680") {
		t.Fatal("a personal number must not match another organisation")
	}
}

func TestWithCheckDigit(t *testing.T) {
	if got := WithCheckDigit("556016068"); got != "5560160680" {
		t.Fatalf("got %s", got)
	}
}

// Ten digits: "-" for someone under 100, "+" for someone 100 or older,
// as Skatteverket writes them; the century follows from today.
func TestDC6_PersonalNumberWithoutCentury(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cases := map[string]string{
		"121212-1212": "20121212-1212",
		"1212121212":  "20121212-1212",
		"121212+1212": "19121212-1212",
		"791123-9882": "19791123-9882",
	}
	for in, want := range cases {
		got, err := personalNumberAt(in, now)
		if err != nil || got != want {
			t.Errorf("personalNumberAt(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"121212-1213", "121332-1210"} {
		if _, err := personalNumberAt(bad, now); !errors.Is(err, ErrInvalid) {
			t.Errorf("personalNumberAt(%q) accepted or wrong error: %v", bad, err)
		}
	}
}
