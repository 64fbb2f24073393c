// Package demo fills an empty database with realistic demo data: the six
// customer categories, the services of the change log with their offerings
// and price lists, customers of every kind with people, roles, agreements,
// orders in every state, subscriptions, the agreement documents with their
// versions, and a few audit events and notifications.
//
// The data describes the world as it stands on ReferenceDate. Every number in
// it is fictive except the organisation numbers of the public bodies, and
// every identity number passes the check-digit validation of the data layer.
// docs/demo-data.md lists the people, customers and price lists, and says
// which dates were taken from the source pages and which were chosen.
package demo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"kundportal/internal/access"
	"strings"
	"time"

	"kundportal/ent"
	"kundportal/internal/bizdate"
)

// ErrNotEmpty is returned by Load when the database already holds data (at
// least one customer category); nothing is written then.
var ErrNotEmpty = errors.New("demo: the database is not empty; demo data not loaded")

// ReferenceDate is the day the demo data describes: every seeded event lies
// on or before it, and the subscriptions and price lists are those in force
// on it.
var ReferenceDate = bizdate.MustParse("2024-03-15")

// Load fills an empty database with the demo data in one transaction. It
// returns ErrNotEmpty (and does nothing) if any customer category already
// exists, so it is safe to call at every start. On PostgreSQL two instances
// starting at once cannot both load it: the second one's first insert
// violates the unique category code and is reported as ErrNotEmpty too (on
// SQLite the loser fails with a locking error and writes nothing).
func Load(ctx context.Context, client *ent.Client) (err error) {
	// Loading demo data is the service acting on its own behalf.
	ctx = access.SystemContext(ctx)
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("demo: starting transaction: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
		if err != nil {
			if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
				err = errors.Join(err, fmt.Errorf("demo: rolling back: %w", rerr))
			}
		}
	}()
	exists, err := tx.CustomerCategory.Query().Exist(ctx)
	if err != nil {
		return fmt.Errorf("demo: checking for existing data: %w", err)
	}
	if exists {
		return ErrNotEmpty
	}
	s := newSeeder(ctx, tx)
	steps := []struct {
		name string
		run  func() error
	}{
		{"categories", s.seedCategories},
		{"catalog", each(serviceSpecs, serviceSpec.label, s.createService)},
		{"price lists", each(priceListSpecs, priceListSpec.label, s.createPriceList)},
		{"customers", each(customerSpecs, customerSpec.label, s.createCustomer)},
		{"people", s.seedPeople},
		{"agreements", each(agreementSpecs, agreementSpec.label, s.createAgreement)},
		{"orders", each(orderSpecs, orderSpec.label, s.createOrder)},
		{"subscriptions", each(subscriptionSpecs, subscriptionSpec.label, s.createSubscription)},
		{"documents", each(documentSpecs, documentSpec.label, s.createDocument)},
		{"applications", s.seedApplications},
		{"notifications", s.seedNotifications},
		{"partner key", s.seedPartnerKey},
		{"audit events", s.flushAudit},
	}
	for _, step := range steps {
		if err := step.run(); err != nil {
			if errors.Is(err, ErrNotEmpty) {
				return ErrNotEmpty
			}
			return fmt.Errorf("demo: seeding %s: %w", step.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("demo: committing: %w", err)
	}
	return nil
}

// seeder carries the transaction and what earlier steps created, by the
// short keys the data tables use.
type seeder struct {
	ctx context.Context
	tx  *ent.Tx

	categories map[string]*ent.CustomerCategory // by code
	services   map[string]*ent.Service          // by code
	offerings  map[string]*ent.Offering         // by code
	priceLists []*priceListRow                  // in creation order
	customers  map[string]*ent.Customer         // by customer key
	careUnits  map[string]*ent.CareUnit         // by HSA-id
	people     map[string]*ent.Person           // by person key
	agreements map[string]*ent.Agreement        // by agreement key
	orders     map[string]*ent.Order            // by order key

	audit []*ent.AuditEventCreate
}

func newSeeder(ctx context.Context, tx *ent.Tx) *seeder {
	return &seeder{
		ctx:        ctx,
		tx:         tx,
		categories: map[string]*ent.CustomerCategory{},
		services:   map[string]*ent.Service{},
		offerings:  map[string]*ent.Offering{},
		customers:  map[string]*ent.Customer{},
		careUnits:  map[string]*ent.CareUnit{},
		people:     map[string]*ent.Person{},
		agreements: map[string]*ent.Agreement{},
		orders:     map[string]*ent.Order{},
	}
}

// each returns a step that creates every spec in turn and names the one
// that failed.
func each[T any](specs []T, label func(T) string, create func(T) error) func() error {
	return func() error {
		for _, spec := range specs {
			if err := create(spec); err != nil {
				return fmt.Errorf("%s: %w", label(spec), err)
			}
		}
		return nil
	}
}

// lookup returns m[key] or an error naming the missing key, so that a typo
// in a data table fails the load instead of writing a half-linked row.
func lookup[T any](m map[string]T, kind, key string) (T, error) {
	v, ok := m[key]
	if !ok {
		var zero T
		return zero, fmt.Errorf("unknown %s %q in demo data", kind, key)
	}
	return v, nil
}

// date parses a "YYYY-MM-DD" business date; "" is no date.
func date(s string) *time.Time {
	if s == "" {
		return nil
	}
	d := bizdate.MustParse(s)
	return &d
}

// at parses a "YYYY-MM-DD hh:mm" instant in UTC.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, time.UTC)
	if err != nil {
		panic(err)
	}
	return t
}

// ptr returns a pointer to v, or nil for the zero value, for the
// SetNillable… setters.
func ptr[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// reference returns a stable, UUID-shaped transaction reference for an
// e-identity or SMS transaction of the demo data, derived from what it
// signs, so that every load writes the same references.
func reference(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// staff members of the provider's customer service who act in the demo data.
const (
	staffLena  = "staff:lena.ahl"
	staffOmar  = "staff:omar.nilsson"
	systemJob  = "system:ka2-migration"
	demoDomain = "example.se"
)
