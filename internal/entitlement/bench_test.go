package entitlement_test

import (
	"runtime"
	"testing"

	"kundportal/ent"
	"kundportal/internal/entitlement"
	"kundportal/internal/fixture"
	"kundportal/internal/testdb"
)

// BenchmarkCacheMemoryPerAnswer measures what one cached answer costs on
// the heap: the decision with its service (shared), customer and
// subscription. docs/performance.md states it per 100 000 subscriptions.
func BenchmarkCacheMemoryPerAnswer(b *testing.B) {
	const n = 2000
	db := testdb.SQLite(b)
	fx := fixture.New(b, db.Client)
	svc := fx.Service()
	off := fx.Offering(func(o *ent.OfferingCreate) { o.SetService(svc) })
	var questions []entitlement.Question
	for range n {
		c := fx.Customer()
		fx.Subscription(func(s *ent.SubscriptionCreate) { s.SetCustomer(c).SetOffering(off).SetServiceID(svc.ID) })
		questions = append(questions, entitlement.Question{ServiceID: &svc.ID, Login: entitlement.Login{OrgNumber: c.OrgNumber}})
	}
	b.ResetTimer()
	var perAnswer float64
	for range b.N {
		cache := entitlement.NewCache(db.Client, n)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for _, q := range questions {
			if _, err := cache.Check(staffCtx, q); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if cache.Len() != n {
			b.Fatalf("%d answers kept", cache.Len())
		}
		perAnswer = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(cache)
	}
	b.ReportMetric(perAnswer, "bytes/answer")
	b.ReportMetric(perAnswer*100000/(1<<20), "MiB/100k")
}
