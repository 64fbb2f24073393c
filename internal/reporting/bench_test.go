package reporting_test

import (
	"testing"

	"kundportal/internal/testdb"
)

// BenchmarkReports runs each report on PostgreSQL over a generated dataset
// of 2 × 500 customers, 500 subscriptions to Pascal and their orders; make
// bench prints the time per report (docs/reports.md).
func BenchmarkReports(b *testing.B) {
	db := testdb.Postgres(b)
	ds := generate(b, db, 500)
	for _, r := range []struct {
		name string
		run  func() error
	}{
		{"CustomersByCategoryAndModel", func() error {
			_, err := ds.src.CustomersByCategoryAndModel(b.Context(), d("2024-06-30"), today)
			return err
		}},
		{"SubscriptionsByServiceAndStatus", func() error {
			_, err := ds.src.SubscriptionsByServiceAndStatus(b.Context(), d("2024-06-30"), today)
			return err
		}},
		{"OrdersAwaitingAttestation", func() error {
			_, err := ds.src.OrdersAwaitingAttestation(b.Context(), d("2024-06-30"), today)
			return err
		}},
		{"ExpectedRevenue2024", func() error {
			_, err := ds.src.ExpectedRevenue(b.Context(), d("2024-01-01"), d("2024-12-31"), today)
			return err
		}},
		{"Changes2024", func() error {
			_, err := ds.src.Changes(b.Context(), d("2024-01-01"), d("2024-12-31"), today)
			return err
		}},
	} {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				if err := r.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
