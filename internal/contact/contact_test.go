package contact

import "testing"

func TestPhone(t *testing.T) {
	for in, want := range map[string]string{
		"070-123 45 67":    "+46701234567",
		"+46 70 123 45 67": "+46701234567",
		"0046701234567":    "+46701234567",
		"+4570123456":      "+4570123456",
	} {
		if got, err := Phone(in); err != nil || got != want {
			t.Errorf("Phone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12", "abc", "+0701234567", "070 123 45 67 89 01 23"} {
		if got, err := Phone(in); err == nil {
			t.Errorf("Phone(%q) = %q, want an error", in, got)
		}
	}
}

func TestEmail(t *testing.T) {
	if got, err := Email(" anna@example.se "); err != nil || got != "anna@example.se" {
		t.Errorf("Email = %q, %v", got, err)
	}
	for _, in := range []string{"", "anna", "anna@example", "an na@example.se", "a@b@c.se"} {
		if _, err := Email(in); err == nil {
			t.Errorf("Email(%q) accepted", in)
		}
	}
}
