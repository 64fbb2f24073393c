package apitest

import (
	"context"
	"crypto/rand"
	"sync"

	"kundportal/internal/bankid"
)

// FakeBankID is a BankID provider for tests of what the portal does with
// its answers: every signing completes at the first collect for the
// personal number asked for, unless Outcome says otherwise. The real
// client's protocol is tested in internal/bankid against a server that
// speaks BankID's JSON.
type FakeBankID struct {
	mu sync.Mutex
	// Outcome, if set, answers collect instead.
	Outcome func(orderRef string) (*bankid.CollectResponse, error)
	// SignErr, if set, is what Sign answers.
	SignErr error
	orders  map[string]bankid.SignRequest
	// Cancelled are the order refs cancelled.
	Cancelled []string
}

// Sign implements bankid.Provider.
func (f *FakeBankID) Sign(_ context.Context, r bankid.SignRequest) (*bankid.OrderResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.SignErr != nil {
		return nil, f.SignErr
	}
	if f.orders == nil {
		f.orders = map[string]bankid.SignRequest{}
	}
	ref := rand.Text()
	f.orders[ref] = r
	return &bankid.OrderResponse{OrderRef: ref, AutoStartToken: rand.Text(), QRStartToken: rand.Text(), QRStartSecret: rand.Text()}, nil
}

// Collect implements bankid.Provider.
func (f *FakeBankID) Collect(_ context.Context, ref string) (*bankid.CollectResponse, error) {
	f.mu.Lock()
	r, ok := f.orders[ref]
	outcome := f.Outcome
	f.mu.Unlock()
	if outcome != nil {
		return outcome(ref)
	}
	if !ok {
		return nil, &bankid.Error{Code: bankid.ErrNotFound}
	}
	res := &bankid.CollectResponse{OrderRef: ref, Status: bankid.StatusComplete}
	res.CompletionData.User.PersonalNumber = r.PersonalNumber
	return res, nil
}

// Cancel implements bankid.Provider.
func (f *FakeBankID) Cancel(_ context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Cancelled = append(f.Cancelled, ref)
	return nil
}

// Request returns what the portal asked BankID to sign for ref.
func (f *FakeBankID) Request(ref string) bankid.SignRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.orders[ref]
}
