package money

import "testing"

func TestDS5_AmountsAreExactOre(t *testing.T) {
	cases := []struct {
		in   string
		want Amount
		str  string
	}{
		{"85", 8500, "85.00"},
		{"85.5", 8550, "85.50"},
		{"25000.00", 2500000, "25000.00"},
		{"-0.05", -5, "-0.05"},
		{"0.1", 10, "0.10"},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if err != nil || got != c.want || got.String() != c.str {
			t.Errorf("Parse(%q) = %d, %v (%q); want %d (%q)", c.in, got, err, got.String(), c.want, c.str)
		}
	}
	for _, bad := range []string{"", "1e3", "85.005", "8,50", "abc", ".5", "5.", "NaN"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted a non-amount", bad)
		}
	}
}

func TestPercentIncreaseRoundsToWholeOre(t *testing.T) {
	// 54 kr + 4 % = 56.16 kr; 0.25 kr + 2 % = 0.255 -> 0.26 kr.
	if got := Kronor(54).MulPercent(400); got != 5616 {
		t.Fatalf("54 kr +4%% = %s, want 56.16", got)
	}
	if got := Amount(25).MulPercent(200); got != 26 {
		t.Fatalf("0.25 kr +2%% = %s, want 0.26", got)
	}
	if got := Amount(-25).MulPercent(200); got != -26 {
		t.Fatalf("-0.25 kr +2%% = %s, want -0.26", got)
	}
}
