package ordering_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"kundportal/ent"
	"kundportal/ent/attestation"
	"kundportal/ent/attestationcode"
	"kundportal/ent/order"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/signingsession"
	"kundportal/ent/subscription"
	"kundportal/internal/apitest"
	"kundportal/internal/bankid"
	"kundportal/internal/database"
	"kundportal/internal/ordering"
	"kundportal/internal/testdb"
)

// code returns the live code row of the order.
func (s *shop) code(id pulid.ID) *ent.AttestationCode {
	return s.db.Client.AttestationCode.Query().Where(attestationcode.OrderID(id)).
		Order(ent.Desc(attestationcode.FieldCreatedAt)).FirstX(apitest.SystemCtx())
}

// TestDO4_SMSCodeIsSentAndStoredAsAHashOnly: the code goes to the
// attestant's phone through the gateway; the database keeps a salted hash,
// never the digits; the code attests the order with method SMS_OTP and
// the gateway's message id as reference, and creates the subscription.
func TestDO4_SMSCodeIsSentAndStoredAsAHashOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		id := s.submitted(t, 2)
		var sent struct {
			RequestAttestationCode struct{ SentTo, ExpiresAt string }
		}
		s.asAttest.Query(requestCodeMutation, map[string]any{"id": id}, &sent)
		phone := *s.attestant.Phone
		code := s.e.SMS.LastCode(phone)
		if len(code) != 6 || !strings.HasSuffix(sent.RequestAttestationCode.SentTo, phone[len(phone)-3:]) ||
			strings.Contains(sent.RequestAttestationCode.SentTo, phone[:len(phone)-3]) {
			t.Fatalf("code %q sent to %q (phone %s)", code, sent.RequestAttestationCode.SentTo, phone)
		}
		row := s.code(id)
		if bytes.Contains(row.CodeHash, []byte(code)) || bytes.Contains(row.Salt, []byte(code)) || len(row.CodeHash) != 32 {
			t.Fatal("the code is stored, not only its hash")
		}
		if d := row.ExpiresAt.Sub(row.CreatedAt); d < 4*time.Minute || d > 5*time.Minute+time.Second {
			t.Errorf("the code lives %s", d)
		}
		var out struct {
			AttestOrder struct {
				Status       string
				Subscription struct{ Status string }
			}
		}
		s.asAttest.Query(attestMutation, map[string]any{"id": id, "code": code}, &out)
		if out.AttestOrder.Status != "ATTESTED" || out.AttestOrder.Subscription.Status != "PENDING" {
			t.Fatalf("attested: %+v", out)
		}
		a := db.Client.Attestation.Query().Where(attestation.OrderID(id)).OnlyX(apitest.SystemCtx())
		if *a.Method != attestation.MethodSMS_OTP || *a.TransactionReference != s.e.SMS.Messages()[0].ID || a.AttestantID != s.attestant.ID {
			t.Fatalf("attestation %+v", a)
		}
		if s.code(id).Status != attestationcode.StatusUSED {
			t.Error("the code still works")
		}
	})
}

// TestDO4_WrongCodesAreCountedAndLockAfterFive: each wrong try is counted
// and kept although the request fails; the fifth locks the code, which
// then refuses even the right digits.
func TestDO4_WrongCodesAreCountedAndLockAfterFive(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		id := s.submitted(t, 1)
		var out struct{}
		s.asAttest.Query(requestCodeMutation, map[string]any{"id": id}, &out)
		code := s.e.SMS.LastCode(*s.attestant.Phone)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for try := 1; try <= ordering.MaxCodeTries; try++ {
			r := s.asAttest.Post(attestMutation, map[string]any{"id": id, "code": wrong})
			if try < ordering.MaxCodeTries {
				if e := r.WantError(t, "WRONG_CODE", "code"); e.Extensions.AttemptsLeft != ordering.MaxCodeTries-try {
					t.Fatalf("try %d: %d attempts left", try, e.Extensions.AttemptsLeft)
				}
			} else {
				r.WantError(t, "CODE_LOCKED", "")
			}
			r.WantNoData(t)
			if got := s.code(id).Attempts; got != try {
				t.Fatalf("after try %d the code counts %d", try, got)
			}
		}
		s.asAttest.Post(attestMutation, map[string]any{"id": id, "code": code}).WantError(t, "CODE_LOCKED", "")
		if s.status(id) != order.StatusAWAITING_ATTESTATION || s.code(id).Status != attestationcode.StatusLOCKED {
			t.Fatalf("order %s, code %s", s.status(id), s.code(id).Status)
		}
		// A new code works.
		s.e.Ordering.Now = func() time.Time { return time.Now().Add(time.Minute) }
		s.asAttest.Query(requestCodeMutation, map[string]any{"id": id}, &out)
		s.asAttest.Query(attestMutation, map[string]any{"id": id, "code": s.e.SMS.LastCode(*s.attestant.Phone)}, &out)
		if s.status(id) != order.StatusATTESTED {
			t.Fatal("a fresh code after a lock does not attest")
		}
	})
}

// TestDO4_CodeExpiresAfterFiveMinutes and is replaced by a new one; a new
// one is not sent within 30 seconds of the last.
func TestDO4_CodeExpiresAfterFiveMinutesAndIsReplaced(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		id := s.submitted(t, 1)
		var out struct{}
		s.asAttest.Query(requestCodeMutation, map[string]any{"id": id}, &out)
		first := s.e.SMS.LastCode(*s.attestant.Phone)
		s.asAttest.Post(requestCodeMutation, map[string]any{"id": id}).WantError(t, "CODE_RECENTLY_SENT", "")
		if len(s.e.SMS.Messages()) != 1 {
			t.Fatal("a second code was sent within 30 seconds")
		}
		s.e.Ordering.Now = func() time.Time { return time.Now().Add(ordering.CodeLifetime + time.Second) }
		s.asAttest.Post(attestMutation, map[string]any{"id": id, "code": first}).WantError(t, "CODE_EXPIRED", "")
		s.asAttest.Query(requestCodeMutation, map[string]any{"id": id}, &out)
		second := s.e.SMS.LastCode(*s.attestant.Phone)
		if first != second {
			s.asAttest.Post(attestMutation, map[string]any{"id": id, "code": first}).WantError(t, "WRONG_CODE", "code")
		}
		s.asAttest.Query(attestMutation, map[string]any{"id": id, "code": second}, &out)
		if s.status(id) != order.StatusATTESTED {
			t.Fatal("the new code did not attest")
		}
		replaced := db.Client.AttestationCode.Query().Where(attestationcode.OrderID(id), attestationcode.StatusEQ(attestationcode.StatusREPLACED)).CountX(apitest.SystemCtx())
		if replaced != 1 {
			t.Errorf("%d codes replaced, want 1", replaced)
		}
	})
}

// TestDO4_SeveralAttemptsInOneRequestAreRefused: aliases of attestOrder,
// or of requestAttestationCode, and a batch of operations are refused
// before anything runs (OWASP: no batching of one-time codes).
func TestDO4_SeveralAttemptsInOneRequestAreRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		id := s.submitted(t, 1)
		s.e.Fx.AttestationCode(s.get(id), s.attestant, "565656")
		for name, q := range map[string]string{
			"aliases": `mutation($id: ID!) { a: attestOrder(orderId: $id, code: "000001") { id } b: attestOrder(orderId: $id, code: "565656") { id } }`,
			"fragment": `mutation($id: ID!) { attestOrder(orderId: $id, code: "000001") { id } ...more }
				fragment more on Mutation { again: attestOrder(orderId: $id, code: "565656") { id } }`,
			"codes": `mutation($id: ID!) { a: requestAttestationCode(orderId: $id) { sentTo } b: requestAttestationCode(orderId: $id) { sentTo } }`,
		} {
			t.Run(name, func(t *testing.T) {
				r := s.asAttest.In(t).Post(q, map[string]any{"id": id})
				r.WantError(t, "BATCHED_ATTEMPTS", "")
				r.WantNoData(t)
			})
		}
		batch := `[{"query":"mutation { attestOrder(orderId: \"` + string(id) + `\", code: \"000001\") { id } }"},` +
			`{"query":"mutation { attestOrder(orderId: \"` + string(id) + `\", code: \"565656\") { id } }"}]`
		r := s.asAttest.PostBody(strings.NewReader(batch))
		if r.Status == http.StatusOK && len(r.Errors) == 0 {
			t.Fatalf("a batch was answered: %s", r.Body)
		}
		if s.status(id) != order.StatusAWAITING_ATTESTATION || s.code(id).Attempts != 0 || len(s.e.SMS.Messages()) != 0 {
			t.Fatalf("a refused request ran: order %s, %d tries, %d messages", s.status(id), s.code(id).Attempts, len(s.e.SMS.Messages()))
		}
	})
}

// TestDO4_GatewayDownOrGarbledWritesNothing: PROVIDER_UNAVAILABLE, no
// code stored, the order untouched.
func TestDO4_GatewayDownOrGarbledWritesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		id := s.submitted(t, 1)
		for _, fail := range []struct {
			status int
			body   string
		}{{http.StatusServiceUnavailable, "down"}, {http.StatusOK, "<html>captive portal</html>"}} {
			s.e.SMS.FailWith(fail.status, fail.body)
			before := s.events(id)
			s.asAttest.Post(requestCodeMutation, map[string]any{"id": id}).WantError(t, "PROVIDER_UNAVAILABLE", "")
			n := db.Client.AttestationCode.Query().Where(attestationcode.OrderID(id)).CountX(apitest.SystemCtx())
			if n != 0 || s.events(id) != before || s.status(id) != order.StatusAWAITING_ATTESTATION {
				t.Fatalf("gateway %d: %d codes stored", fail.status, n)
			}
		}
		s.e.SMS.FailWith(0, "")
		var out struct{}
		s.asAttest.Query(requestCodeMutation, map[string]any{"id": id}, &out)
	})
}

// TestDO4_FiftyConcurrentAttests_OneWins: 50 attests with the right code
// at the same moment decide the order once: one attestation, one
// subscription, and 49 refusals.
func TestDO4_FiftyConcurrentAttests_OneWins(t *testing.T) {
	db := testdb.Postgres(t)
	s := newShop(t, db)
	ctx := apitest.SystemCtx()
	for round := range 3 {
		id := s.submitted(t, 1)
		s.e.Fx.AttestationCode(s.get(id), s.attestant, "909090")
		got := apitest.Codes(apitest.Concurrently(s.asAttest, 50, func(_ int, e *apitest.Env) *apitest.Response {
			return e.Post(attestMutation, map[string]any{"id": id, "code": "909090"})
		}))
		if got[""] != 1 || got[""]+got["INVALID_STATE"] != 50 {
			t.Errorf("round %d: %v, want one success and 49 INVALID_STATE", round, got)
		}
		if n := db.Client.Attestation.Query().Where(attestation.OrderID(id)).CountX(ctx); n != 1 {
			t.Errorf("round %d: %d attestations", round, n)
		}
		if n := db.Client.Subscription.Query().Where(subscription.HasOrdersWith(order.ID(id))).CountX(ctx); n != 1 {
			t.Errorf("round %d: %d subscriptions", round, n)
		}
	}
	if n := db.Client.Subscription.Query().Where(subscription.CustomerID(s.c.ID)).CountX(ctx); n != 1 {
		t.Errorf("%d subscriptions of the offering, want one extended by each order", n)
	}
}

// TestDO4_AttestAndRejectConcurrently_OneDecides: two attestants, one
// attesting with BankID and one rejecting, at the same moment: the order
// is decided once.
func TestDO4_AttestAndRejectConcurrently_OneDecides(t *testing.T) {
	db := testdb.Postgres(t)
	s := newShop(t, db)
	other, _ := s.e.Holder(s.c, "ATTESTANT")
	asOther := s.e.As(s.e.BankID(other))
	ctx := apitest.SystemCtx()
	for round := range 10 {
		id := s.submitted(t, 1)
		s.e.Fx.AttestationCode(s.get(id), s.attestant, "232323")
		rs := apitest.Concurrently(s.e, 2, func(i int, _ *apitest.Env) *apitest.Response {
			if i == 0 {
				return s.asAttest.Post(attestMutation, map[string]any{"id": id, "code": "232323"})
			}
			return asOther.Post(`mutation($id: ID!) { rejectOrder(id: $id, reason: "Dubblett") { id } }`, map[string]any{"id": id})
		})
		if got := apitest.Codes(rs); got[""] != 1 || got["INVALID_STATE"] != 1 {
			t.Errorf("round %d: %v, want one decision and one INVALID_STATE", round, got)
		}
		if n := db.Client.Attestation.Query().Where(attestation.OrderID(id)).CountX(ctx); n != 1 {
			t.Errorf("round %d: %d decisions", round, n)
		}
	}
}

// TestDO4_BankIDAttestation: the attestant signs the order's summary with
// BankID; completion attests with method BANKID and the orderRef; BankID
// down writes nothing; a signing completing after the order was decided
// fails without deciding again.
func TestDO4_BankIDAttestation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		s := newShop(t, db)
		ctx := apitest.SystemCtx()
		start := `mutation($id: ID!) { startOrderSigning(orderId: $id) { id status autoStartToken qrData } }`
		collect := `mutation($id: ID!) { collectOrderSigning(id: $id) { id status hintCode } }`
		id := s.submitted(t, 2)

		s.e.Signer.SignErr = &bankid.Error{Code: "internalError"}
		s.asAttest.Post(start, map[string]any{"id": id}).WantError(t, "PROVIDER_UNAVAILABLE", "")
		if db.Client.SigningSession.Query().Where(signingsession.OrderID(id)).ExistX(ctx) {
			t.Fatal("a failed start was recorded")
		}
		s.e.Signer.SignErr = nil

		var started struct {
			StartOrderSigning struct {
				ID     pulid.ID
				Status string
				QrData *string
			}
		}
		s.asAttest.Query(start, map[string]any{"id": id}, &started)
		if started.StartOrderSigning.Status != "PENDING" || started.StartOrderSigning.QrData == nil {
			t.Fatalf("started %+v", started)
		}
		sess := db.Client.SigningSession.GetX(ctx, started.StartOrderSigning.ID)
		var done struct{ CollectOrderSigning struct{ Status string } }
		s.asAttest.Query(collect, map[string]any{"id": sess.ID}, &done)
		if done.CollectOrderSigning.Status != "COMPLETE" || s.status(id) != order.StatusATTESTED {
			t.Fatalf("collected %+v, order %s", done, s.status(id))
		}
		a := db.Client.Attestation.Query().Where(attestation.OrderID(id)).OnlyX(ctx)
		if *a.Method != attestation.MethodBANKID || *a.TransactionReference != sess.OrderRef {
			t.Fatalf("attestation %+v, want BANKID with %s", a, sess.OrderRef)
		}

		// Two signings of one order: the second completes too late.
		late := s.submitted(t, 1)
		var one, two struct{ StartOrderSigning struct{ ID pulid.ID } }
		s.asAttest.Query(start, map[string]any{"id": late}, &one)
		other, _ := s.e.Holder(s.c, "ATTESTANT")
		s.e.As(s.e.BankID(other)).Query(start, map[string]any{"id": late}, &two)
		s.asAttest.Query(collect, map[string]any{"id": one.StartOrderSigning.ID}, &done)
		var lost struct {
			CollectOrderSigning struct{ Status, HintCode string }
		}
		s.e.As(s.e.BankID(other)).Query(collect, map[string]any{"id": two.StartOrderSigning.ID}, &lost)
		if lost.CollectOrderSigning.Status != "FAILED" || lost.CollectOrderSigning.HintCode != ordering.HintOrderNotAwaitingAttestation {
			t.Fatalf("late signing %+v", lost)
		}
		if n := db.Client.Attestation.Query().Where(attestation.OrderID(late)).CountX(ctx); n != 1 {
			t.Fatalf("%d attestations", n)
		}
		// Only the attestant who started a signing follows it.
		third := s.submitted(t, 1)
		var mine struct{ StartOrderSigning struct{ ID pulid.ID } }
		s.asAttest.Query(start, map[string]any{"id": third}, &mine)
		s.e.As(s.e.BankID(other)).Post(collect, map[string]any{"id": mine.StartOrderSigning.ID}).WantError(t, "FORBIDDEN", "")
	})
}
