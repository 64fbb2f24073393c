package entitlement

import (
	"hash/maphash"
	"slices"
	"sync"

	"kundportal/ent"
	"kundportal/ent/schema/pulid"
)

// answers keeps the cache's answers where the garbage collector does not
// look: in slots without a pointer, found through a map from the
// question's hash to a slot, which holds no pointer either, least
// recently used dropped first. A cache of a day's logins holds 100 000
// answers or more; as pointers they were most of what every collection
// had to mark, and the collector's share of a page's CPU doubled with
// them (docs/performance.md). An answer it cannot store so (a question or
// ID longer than a slot holds, more reasons than it has room for) is
// simply not kept.
type answers struct {
	mu    sync.Mutex
	max   int
	seed  maphash.Seed
	index map[uint64]int32
	slots []answer
	// head and tail are the most and the least recently used slot, -1
	// when there is none.
	head, tail int32
	// services are the kept answers' services, which slots name by
	// index: a handful of pointers for all the answers.
	services     []*ent.Service
	serviceIndex map[pulid.ID]uint16
}

const (
	maxQuestion = 128 // bytes of a question's key (key); longer ones are not kept
	maxID       = 32  // bytes of a customer or subscription ID
	maxReasons  = 4
)

// answer is one kept answer. It must hold no pointer
// (TestKeptAnswersHoldNoPointer).
type answer struct {
	hash       uint64
	prev, next int32
	result     uint8 // index in results
	nReasons   uint8
	reasons    [maxReasons]uint8 // indexes in reasons
	service    uint16            // index in answers.services
	questionN  uint8
	customerN  uint8 // 0: no customer
	subscripN  uint8 // 0: no subscription
	question   [maxQuestion]byte
	customer   [maxID]byte
	subscripID [maxID]byte
}

// results and reasons are what a slot's indexes stand for.
var (
	results = []Result{Allowed, Warn, Denied}
	reasons = []Reason{ReasonNoCustomer, ReasonCustomerNotActive, ReasonNoAgreement, ReasonNoSubscription,
		ReasonCompanyFormNotAllow, ReasonServiceRetired}
)

func newAnswers(max int) *answers {
	return &answers{max: max, seed: maphash.MakeSeed(), index: map[uint64]int32{}, head: -1, tail: -1,
		serviceIndex: map[pulid.ID]uint16{}}
}

// get returns the answer kept for the question, as a new decision.
func (a *answers) get(question []byte) (*Decision, bool) {
	h := maphash.Bytes(a.seed, question)
	a.mu.Lock()
	defer a.mu.Unlock()
	i, ok := a.index[h]
	if !ok {
		return nil, false
	}
	s := &a.slots[i]
	if string(s.question[:s.questionN]) != string(question) {
		return nil, false
	}
	a.unlink(i)
	a.pushFront(i)
	return s.decision(a.services[s.service]), true
}

// given is a decision rebuilt from a slot together with what it points
// to, so that a check answered from memory allocates it and its IDs'
// bytes, and nothing else.
type given struct {
	Decision
	reasons                [maxReasons]Reason
	customer, subscription pulid.ID
}

func (s *answer) decision(svc *ent.Service) *Decision {
	g := &given{Decision: Decision{Result: results[s.result], Service: svc}}
	for i, r := range s.reasons[:s.nReasons] {
		g.reasons[i] = reasons[r]
	}
	if s.nReasons > 0 {
		g.Reasons = g.reasons[:s.nReasons:s.nReasons]
	}
	if n := int(s.customerN) + int(s.subscripN); n > 0 {
		var b [2 * maxID]byte
		copy(b[copy(b[:], s.customer[:s.customerN]):], s.subscripID[:s.subscripN])
		ids := string(b[:n])
		if s.customerN > 0 {
			g.customer = pulid.ID(ids[:s.customerN])
			g.CustomerID = &g.customer
		}
		if s.subscripN > 0 {
			g.subscription = pulid.ID(ids[s.customerN:])
			g.SubscriptionID = &g.subscription
		}
	}
	g.MessageSV, g.MessageEN = messages(g.Result, svc)
	return &g.Decision
}

// add keeps the decision for the question, when a slot can hold it.
func (a *answers) add(question []byte, d *Decision) {
	var s answer
	if !s.fill(question, d) {
		return
	}
	s.hash = maphash.Bytes(a.seed, question)
	a.mu.Lock()
	defer a.mu.Unlock()
	svc, ok := a.serviceIndex[d.Service.ID]
	if !ok {
		if len(a.services) > 1<<16-1 {
			return
		}
		svc = uint16(len(a.services))
		a.services = append(a.services, d.Service)
		a.serviceIndex[d.Service.ID] = svc
	}
	s.service = svc
	i, ok := a.index[s.hash]
	switch {
	case ok: // the same question (or, once in 2⁶⁴, another with its hash)
		a.unlink(i)
	case len(a.slots) < a.max:
		i = int32(len(a.slots))
		a.slots = append(a.slots, answer{})
	default: // full: the least recently used slot takes it
		i = a.tail
		a.unlink(i)
		delete(a.index, a.slots[i].hash)
	}
	a.slots[i] = s
	a.index[s.hash] = i
	a.pushFront(i)
}

// fill writes the question and the decision into s, and tells whether
// they fit and the decision is one get would give back unchanged.
func (s *answer) fill(question []byte, d *Decision) bool {
	r := slices.Index(results, d.Result)
	if r < 0 || len(question) > maxQuestion || len(d.Reasons) > maxReasons || d.Service == nil {
		return false
	}
	if sv, en := messages(d.Result, d.Service); sv != d.MessageSV || en != d.MessageEN {
		return false
	}
	s.result, s.nReasons = uint8(r), uint8(len(d.Reasons))
	for i, why := range d.Reasons {
		j := slices.Index(reasons, why)
		if j < 0 {
			return false
		}
		s.reasons[i] = uint8(j)
	}
	s.questionN = uint8(copy(s.question[:], question))
	var fits bool
	if s.customerN, fits = putID(s.customer[:], d.CustomerID); !fits {
		return false
	}
	s.subscripN, fits = putID(s.subscripID[:], d.SubscriptionID)
	return fits
}

func putID(dst []byte, id *pulid.ID) (uint8, bool) {
	if id == nil {
		return 0, true
	}
	if len(*id) == 0 || len(*id) > len(dst) {
		return 0, false
	}
	return uint8(copy(dst, *id)), true
}

// messages are the user's messages for a result of the service, as
// Check writes them.
func messages(r Result, svc *ent.Service) (sv, en string) {
	switch r {
	case Warn:
		return deref(svc.WarningMessage), english[Warn]
	case Denied:
		return deref(svc.DenialMessage), english[Denied]
	}
	return "", ""
}

func (a *answers) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.index)
}

// purge forgets every answer and service.
func (a *answers) purge() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.index)
	a.slots = a.slots[:0]
	a.head, a.tail = -1, -1
	clear(a.services)
	a.services = a.services[:0]
	clear(a.serviceIndex)
}

func (a *answers) unlink(i int32) {
	s := &a.slots[i]
	if s.prev >= 0 {
		a.slots[s.prev].next = s.next
	} else {
		a.head = s.next
	}
	if s.next >= 0 {
		a.slots[s.next].prev = s.prev
	} else {
		a.tail = s.prev
	}
}

func (a *answers) pushFront(i int32) {
	s := &a.slots[i]
	s.prev, s.next = -1, a.head
	if a.head >= 0 {
		a.slots[a.head].prev = i
	}
	a.head = i
	if a.tail < 0 {
		a.tail = i
	}
}
