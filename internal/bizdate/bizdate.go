// Package bizdate is the GraphQL Date scalar: calendar dates that matter to
// the business (effective, notice, cut-off dates), written "YYYY-MM-DD".
//
// In Go a date is a time.Time at midnight UTC, and the database stores it in
// a DATE column (PostgreSQL) so that it can never carry a time of day or a
// zone that shifts it by one day.
package bizdate

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"kundportal/internal/apperr"
)

// Layout is the ISO 8601 calendar-date layout used on the wire.
const Layout = time.DateOnly

// Of returns the date of year, month and day as midnight UTC.
func Of(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

// MustParse parses "YYYY-MM-DD" and panics on error; for fixed dates in
// seed data and tests only.
func MustParse(s string) time.Time {
	t, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

// Parse reads "YYYY-MM-DD" strictly.
func Parse(s string) (time.Time, error) {
	t, err := time.ParseInLocation(Layout, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", s)
	}
	return t, nil
}

// Truncate returns the calendar date of t in Swedish local time, as midnight
// UTC: "today" for a Swedish customer starts at midnight in Stockholm.
func Truncate(t time.Time) time.Time {
	y, m, d := t.In(stockholm).Date()
	return Of(y, m, d)
}

var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// MarshalDate writes a date as "YYYY-MM-DD".
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(Layout)))
	})
}

// UnmarshalDate reads "YYYY-MM-DD".
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperr.Invalid(fmt.Errorf("a date is a string of the form YYYY-MM-DD, got %T", v))
	}
	t, err := Parse(s)
	if err != nil {
		return time.Time{}, apperr.Invalid(err)
	}
	return t, nil
}
