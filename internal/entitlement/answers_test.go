package entitlement

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"kundportal/ent"
	"kundportal/ent/schema/pulid"
)

// The collector skips what holds no pointer: a kept answer must not hold
// one, nor the index that finds it.
func TestKeptAnswersHoldNoPointer(t *testing.T) {
	var hasPointer func(reflect.Type) bool
	hasPointer = func(t reflect.Type) bool {
		switch t.Kind() {
		case reflect.Array:
			return hasPointer(t.Elem())
		case reflect.Struct:
			for i := range t.NumField() {
				if hasPointer(t.Field(i).Type) {
					return true
				}
			}
			return false
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
			reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
			return false
		}
		return true
	}
	if hasPointer(reflect.TypeFor[answer]()) {
		t.Error("answer holds a pointer: the collector marks every kept answer again")
	}
	if m := reflect.TypeFor[map[uint64]int32](); hasPointer(m.Key()) || hasPointer(m.Elem()) {
		t.Error("the index holds pointers")
	}
}

func idOf(s string) *pulid.ID { id := pulid.ID(s); return &id }

func TestKeptAnswersComeBackAsTheyWereAndTheLeastRecentlyUsedGoFirst(t *testing.T) {
	warn, deny := "Varning", "Nekad"
	svc := &ent.Service{ID: "SV01KPTEST", WarningMessage: &warn, DenialMessage: &deny}
	other := &ent.Service{ID: "SV01KPOTHER"}
	decisions := []*Decision{
		{Result: Allowed, Service: svc, CustomerID: idOf("CU01J0000000000000000000000001"), SubscriptionID: idOf("SU01J0000000000000000000000001")},
		{Result: Warn, Reasons: []Reason{ReasonNoAgreement, ReasonNoSubscription}, Service: svc, CustomerID: idOf("CU01J0000000000000000000000002"),
			MessageSV: warn, MessageEN: english[Warn]},
		{Result: Denied, Reasons: []Reason{ReasonNoCustomer}, Service: other, MessageEN: english[Denied]},
	}
	a := newAnswers(2)
	for i, d := range decisions {
		q := fmt.Sprint("question ", i)
		a.add([]byte(q), d)
		if got, ok := a.get([]byte(q)); !ok || !reflect.DeepEqual(got, d) {
			t.Errorf("%s came back as %+v (%v), kept as %+v", q, got, ok, d)
		}
	}
	if _, ok := a.get([]byte("question 0")); ok || a.len() != 2 {
		t.Errorf("the least recently used answer was kept with %d answers at most 2", a.len())
	}
	a.get([]byte("question 1")) // now 2 is the least recently used
	a.add([]byte("question 3"), decisions[0])
	if _, ok := a.get([]byte("question 2")); ok {
		t.Error("a used answer went before the least recently used one")
	}
	if _, ok := a.get([]byte("question 1")); !ok {
		t.Error("the most recently used answer was dropped")
	}
	a.add([]byte("question 1"), decisions[2]) // a new answer to a kept question replaces it
	if got, _ := a.get([]byte("question 1")); !reflect.DeepEqual(got, decisions[2]) || a.len() != 2 {
		t.Errorf("the replaced answer: %+v, %d answers", got, a.len())
	}

	for name, d := range map[string]*Decision{
		"an unknown reason":    {Result: Denied, Reasons: []Reason{"NEW"}, Service: other, MessageEN: english[Denied]},
		"too many reasons":     {Result: Denied, Reasons: []Reason{ReasonNoCustomer, ReasonNoCustomer, ReasonNoCustomer, ReasonNoCustomer, ReasonNoCustomer}, Service: other, MessageEN: english[Denied]},
		"a message of its own": {Result: Denied, Service: other, MessageEN: "something else"},
		"an ID too long":       {Result: Allowed, Service: svc, CustomerID: idOf(strings.Repeat("C", maxID+1))},
		"an unknown result":    {Result: "MAYBE", Service: svc},
	} {
		a.add([]byte(name), d)
		if _, ok := a.get([]byte(name)); ok {
			t.Errorf("%s was kept", name)
		}
	}
	long := strings.Repeat("q", maxQuestion+1)
	if a.add([]byte(long), decisions[0]); a.len() != 2 {
		t.Error("a question longer than a slot was kept")
	}

	a.purge()
	if _, ok := a.get([]byte("question 3")); ok || a.len() != 0 || len(a.services) != 0 {
		t.Error("purge kept answers")
	}
	a.add([]byte("question 4"), decisions[1])
	if got, ok := a.get([]byte("question 4")); !ok || !reflect.DeepEqual(got, decisions[1]) {
		t.Errorf("after purge: %+v (%v)", got, ok)
	}
}
