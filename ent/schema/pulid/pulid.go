// Package pulid implements the opaque, prefixed identifiers every entity uses.
//
// An ID is a two-letter type prefix followed by a ULID drawn from a
// cryptographically random source. The prefix lets node(id:) find the table
// without a lookup; the random part means an ID reveals neither how many
// objects exist nor which one was created next to it.
package pulid

import (
	"crypto/rand"
	"database/sql/driver"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/oklog/ulid/v2"
)

// ID is a prefixed ULID, e.g. "CU01J9Z3...".
type ID string

// PrefixLen is the number of characters that name the entity type.
const PrefixLen = 2

// MustNew returns a new ID with the given prefix for the current time.
//
// The entropy is crypto/rand for every ID, not a monotonic source: monotonic
// entropy makes IDs created in the same millisecond differ by one, which
// would reveal neighbours.
func MustNew(prefix string) ID {
	return ID(prefix + ulid.MustNew(ulid.Timestamp(time.Now()), rand.Reader).String())
}

// Prefix returns the type prefix of the ID, or "" if the ID is malformed.
func (u ID) Prefix() string {
	if len(u) != PrefixLen+ulid.EncodedSize {
		return ""
	}
	if _, err := ulid.ParseStrict(string(u[PrefixLen:])); err != nil {
		return ""
	}
	return string(u[:PrefixLen])
}

// UnmarshalGQL implements graphql.Unmarshaler.
func (u *ID) UnmarshalGQL(v any) error {
	return u.Scan(v)
}

// MarshalGQL implements graphql.Marshaler.
func (u ID) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(u)))
}

// Scan implements sql.Scanner.
func (u *ID) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		return fmt.Errorf("pulid: expected a value")
	case ID:
		*u = s
	case string:
		*u = ID(s)
	case []byte:
		*u = ID(string(s))
	default:
		return fmt.Errorf("pulid: expected a string, got %T", src)
	}
	return nil
}

// Value implements driver.Valuer.
func (u ID) Value() (driver.Value, error) {
	return string(u), nil
}
