package partnerkeys

import (
	"crypto/rand"
	"strings"
	"testing"
)

// hashes agrees with HashSecret, and refuses another secret, a hash of
// another length and the same hash in capitals.
func TestHashesAgreesWithHashSecret(t *testing.T) {
	for range 100 {
		secret := rand.Text()
		hash := HashSecret(secret)
		if !hashes(secret, hash) {
			t.Fatalf("%q does not match its own hash", secret)
		}
		if hashes(secret+"x", hash) || hashes(secret[1:], hash) {
			t.Fatalf("another secret matches the hash of %q", secret)
		}
		if hashes(secret, hash[:len(hash)-1]) || hashes(secret, hash+"0") || hashes(secret, "") {
			t.Fatal("a hash of another length matches")
		}
		if strings.ToUpper(hash) != hash && hashes(secret, strings.ToUpper(hash)) {
			t.Fatal("the hash in capitals matches")
		}
	}
}
