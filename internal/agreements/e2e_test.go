package agreements_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"kundportal/ent/agreement"
	"kundportal/ent/schema/types"
	"kundportal/ent/subscription"
	"kundportal/internal/agreements"
	"kundportal/internal/apitest"
	"kundportal/internal/auth"
	"kundportal/internal/bankid"
	"kundportal/internal/database"
	"kundportal/internal/httpapi"
	"kundportal/internal/testdb"
)

// bankIDServer answers BankID's relying-party JSON: a signing is pending
// at its first collect and complete at the second, for the personal
// number it was started for.
func bankIDServer(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	orders := map[string]string{}
	collects := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var req struct {
			OrderRef    string `json:"orderRef"`
			Requirement struct {
				PersonalNumber string `json:"personalNumber"`
			} `json:"requirement"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		switch r.URL.Path {
		case "/rp/v6.0/sign":
			ref := fmt.Sprintf("order-%d", len(orders)+1)
			orders[ref] = req.Requirement.PersonalNumber
			fmt.Fprintf(w, `{"orderRef":%q,"autoStartToken":"auto-%s","qrStartToken":"qr-%s","qrStartSecret":"secret-%s"}`, ref, ref, ref, ref)
		case "/rp/v6.0/collect":
			collects[req.OrderRef]++
			if collects[req.OrderRef] == 1 {
				fmt.Fprintf(w, `{"orderRef":%q,"status":"pending","hintCode":"userSign"}`, req.OrderRef)
				return
			}
			fmt.Fprintf(w, `{"orderRef":%q,"status":"complete","completionData":{"user":{"personalNumber":%q,"name":"N N"},"signature":"c2ln","ocspResponse":"b2NzcA=="}}`,
				req.OrderRef, orders[req.OrderRef])
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errorCode":"notFound","details":"No such order"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSeeds001And002_FromApplicationToSignedKA2 drives seeds 001 and 002
// through the HTTP handler as the SPA would: an organisation applies,
// customer service approves, both signatories sign jointly with BankID
// (the real client against a server speaking BankID's JSON), and the
// agreement is ACTIVE; a KA1 customer offered KA2 signs it and its KA1
// service moves to KA2.
func TestSeeds001And002_FromApplicationToSignedKA2(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *database.DB) {
		srv := bankIDServer(t)
		client := bankid.NewWithHTTPClient(srv.URL, srv.Client())
		lifecycle := agreements.New(map[agreements.SigningMethod]bankid.Provider{agreements.MethodBankID: client}, "https://portal.test", 6)
		e := apitest.New(t, db, func(o *httpapi.Options) { o.Services.Agreements = lifecycle })
		ctx, c := apitest.SystemCtx(), db.Client

		// 1. The organisation applies (kundansökan) and is approved.
		in := applicationIn(e.Fx, e.Fx.DefaultCategory())
		var sub struct{ SubmitCustomerApplication struct{ ID string } }
		e.As(newcomer(e)).Query(submitMutation, map[string]any{"in": in}, &sub)
		var appr struct {
			ApproveCustomerApplication struct{ Agreement struct{ ID string } }
		}
		e.Query(approveMutation, map[string]any{"id": sub.SubmitCustomerApplication.ID}, &appr)
		agreementID := appr.ApproveCustomerApplication.Agreement.ID

		// 2. Each signatory signs in the portal with BankID, polling as
		// the SPA does until the signing is complete.
		for i, s := range in["signatories"].([]any) {
			pn := s.(map[string]any)["personalNumber"].(string)
			signatory := e.As(e.Token(auth.DevToken{Subject: pn, Method: auth.MethodBankID}))
			var started struct {
				StartAgreementSigning struct {
					ID, AutoStartToken string
					QRData             *string
				}
			}
			signatory.Query(startMutation, map[string]any{"id": agreementID}, &started)
			if started.StartAgreementSigning.QRData == nil || !strings.HasPrefix(*started.StartAgreementSigning.QRData, "bankid.qr-") {
				t.Errorf("signatory %d: QR data %v", i, started.StartAgreementSigning.QRData)
			}
			status := "PENDING"
			for polls := 0; status == "PENDING" && polls < 5; polls++ {
				var got struct{ CollectAgreementSigning session }
				signatory.Query(collectMutation, map[string]any{"id": started.StartAgreementSigning.ID}, &got)
				status = got.CollectAgreementSigning.Status
			}
			if status != "COMPLETE" {
				t.Fatalf("signatory %d: signing ended %s", i, status)
			}
			var ag struct {
				Node struct{ Status string }
			}
			signatory.Query(`query($id: ID!) { node(id: $id) { ... on Agreement { status } } }`, map[string]any{"id": agreementID}, &ag)
			if want := map[int]string{0: "AWAITING_SIGNATURE", 1: "ACTIVE"}[i]; ag.Node.Status != want {
				t.Errorf("after signatory %d the agreement is %s, want %s", i, ag.Node.Status, want)
			}
		}

		// 3. A KA1 customer is offered KA2, signs, and its KA1 service
		// moves to KA2 (seed 002).
		ka1Customer := e.Fx.Customer()
		signer, _ := e.Holder(ka1Customer, types.RoleSignatory)
		ka1, ka1Sub := ka1Of(e, ka1Customer, true)
		var offered struct{ OfferAgreement struct{ ID string } }
		e.Query(`mutation($in: OfferAgreementInput!) { offerAgreement(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"customerId": ka1Customer.ID, "model": "KA2"}}, &offered)
		as := e.As(e.BankID(signer))
		var started struct{ StartAgreementSigning struct{ ID string } }
		as.Query(startMutation, map[string]any{"id": offered.OfferAgreement.ID}, &started)
		for range 2 {
			as.Query(collectMutation, map[string]any{"id": started.StartAgreementSigning.ID}, &struct{}{})
		}
		if st := c.Agreement.GetX(ctx, ka1.ID).Status; st != agreement.StatusREPLACED {
			t.Errorf("the KA1 agreement is %s, want REPLACED", st)
		}
		moved := c.Subscription.GetX(ctx, ka1Sub.ID)
		if string(moved.AgreementID) != offered.OfferAgreement.ID || moved.Status != subscription.StatusACTIVE {
			t.Errorf("the KA1 service's subscription is under %s (%s)", moved.AgreementID, moved.Status)
		}
	})
}
