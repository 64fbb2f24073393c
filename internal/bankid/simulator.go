package bankid

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// Simulator stands in for BankID in development (`make run`): a signing
// is pending for Delay and then completes for the personal number it was
// started for. Nothing leaves the machine.
type Simulator struct {
	// Delay is how long a signing stays pending.
	Delay time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu     sync.Mutex
	orders map[string]*simulated
}

type simulated struct {
	personalNumber string
	started        time.Time
	cancelled      bool
}

// NewSimulator returns a simulator whose signings complete after delay.
func NewSimulator(delay time.Duration) *Simulator {
	return &Simulator{Delay: delay, orders: map[string]*simulated{}}
}

func (s *Simulator) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Sign implements Provider.
func (s *Simulator) Sign(_ context.Context, r SignRequest) (*OrderResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for ref, o := range s.orders {
		if now.Sub(o.started) > 10*time.Minute {
			delete(s.orders, ref)
		}
	}
	ref := rand.Text()
	s.orders[ref] = &simulated{personalNumber: r.PersonalNumber, started: now}
	return &OrderResponse{OrderRef: ref, AutoStartToken: rand.Text(), QRStartToken: rand.Text(), QRStartSecret: rand.Text()}, nil
}

// Collect implements Provider.
func (s *Simulator) Collect(_ context.Context, ref string) (*CollectResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[ref]
	if !ok {
		return nil, &Error{Code: ErrNotFound, Details: "no such order"}
	}
	res := &CollectResponse{OrderRef: ref}
	elapsed := s.now().Sub(o.started)
	switch {
	case o.cancelled:
		res.Status, res.HintCode = StatusFailed, HintUserCancel
	case elapsed < s.Delay/2:
		res.Status, res.HintCode = StatusPending, HintOutstandingTransaction
	case elapsed < s.Delay:
		res.Status, res.HintCode = StatusPending, HintUserSign
	default:
		res.Status = StatusComplete
		pn := o.personalNumber
		if pn == "" {
			pn = "19121212-1212"
		}
		u := &res.CompletionData.User
		u.PersonalNumber, u.Name, u.GivenName, u.Surname = pn, "Simulerad Användare", "Simulerad", "Användare"
		res.CompletionData.Signature = base64.StdEncoding.EncodeToString([]byte("simulated"))
		res.CompletionData.OCSPResponse = res.CompletionData.Signature
	}
	return res, nil
}

// Cancel implements Provider.
func (s *Simulator) Cancel(_ context.Context, ref string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[ref]
	if !ok {
		return &Error{Code: ErrNotFound, Details: "no such order"}
	}
	o.cancelled = true
	return nil
}
