package reporting

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"kundportal/internal/apperr"
	"kundportal/internal/bizdate"
	"kundportal/internal/database"
	"kundportal/internal/money"
)

// bom makes Excel read the file as UTF-8, so that å, ä and ö survive.
const bom = "\uFEFF"

// Table is a report as CSV: a header and its rows as text.
type Table struct {
	Header []string
	Rows   [][]string
}

// WriteCSV writes the table with a byte-order mark and a header row,
// flushing every 100 rows so that a long report streams.
func (t Table) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	for i, r := range t.Rows {
		if err := cw.Write(r); err != nil {
			return err
		}
		if i%100 == 99 {
			cw.Flush()
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// amount writes kronor with a decimal point and two decimals.
func amount(a money.Amount) string { return a.String() }

func date(t time.Time) string { return t.Format(time.DateOnly) }

// Report names a report, for CSV: how to run it from a request's dates.
type Report struct {
	// Name is the file name without .csv.
	Name string
	// Period is set for the reports of a period (from, to); the others
	// take asOf.
	Period bool
	Run    func(ctx context.Context, s Source, from, to, today time.Time) (Table, error)
}

// Files are the reports served as CSV, by name.
var Files = map[string]Report{
	"customers-by-category-and-model": {Name: "customers-by-category-and-model",
		Run: func(ctx context.Context, s Source, asOf, _, today time.Time) (Table, error) {
			rows, err := s.CustomersByCategoryAndModel(ctx, asOf, today)
			t := Table{Header: []string{"category_code", "category_name", "model", "customers"}}
			for _, r := range rows {
				t.Rows = append(t.Rows, []string{r.CategoryCode, r.CategoryName, r.Model, strconv.Itoa(r.Customers)})
			}
			return t, err
		}},
	"subscriptions-by-service-and-status": {Name: "subscriptions-by-service-and-status",
		Run: func(ctx context.Context, s Source, asOf, _, today time.Time) (Table, error) {
			rows, err := s.SubscriptionsByServiceAndStatus(ctx, asOf, today)
			t := Table{Header: []string{"service_code", "service_name", "status", "subscriptions", "quantity"}}
			for _, r := range rows {
				t.Rows = append(t.Rows, []string{r.ServiceCode, r.ServiceName, r.Status, strconv.Itoa(r.Subscriptions), strconv.Itoa(r.Quantity)})
			}
			return t, err
		}},
	"orders-awaiting-attestation": {Name: "orders-awaiting-attestation",
		Run: func(ctx context.Context, s Source, asOf, _, today time.Time) (Table, error) {
			rows, err := s.OrdersAwaitingAttestation(ctx, asOf, today)
			t := Table{Header: []string{"order_id", "customer_name", "org_number", "offering_code", "offering_name", "quantity", "submitted_at", "age_days"}}
			for _, r := range rows {
				t.Rows = append(t.Rows, []string{string(r.OrderID), r.CustomerName, r.OrgNumber, r.OfferingCode, r.OfferingName,
					strconv.Itoa(r.Quantity), r.SubmittedAt.UTC().Format(time.RFC3339), strconv.Itoa(r.AgeDays)})
			}
			return t, err
		}},
	"expected-revenue": {Name: "expected-revenue", Period: true,
		Run: func(ctx context.Context, s Source, from, to, today time.Time) (Table, error) {
			rows, err := s.ExpectedRevenue(ctx, from, to, today)
			t := Table{Header: []string{"service_code", "service_name", "category_code", "category_name", "from", "to", "amount_sek"}}
			for _, r := range rows {
				t.Rows = append(t.Rows, []string{r.ServiceCode, r.ServiceName, r.CategoryCode, r.CategoryName, date(from), date(to), amount(r.Amount)})
			}
			return t, err
		}},
	"changes": {Name: "changes", Period: true,
		Run: func(ctx context.Context, s Source, from, to, today time.Time) (Table, error) {
			rows, err := s.Changes(ctx, from, to, today)
			t := Table{Header: []string{"service_code", "service_name", "kind", "subscriptions", "quantity", "recurring_amount_sek", "startup_fees_sek"}}
			for _, r := range rows {
				t.Rows = append(t.Rows, []string{r.ServiceCode, r.ServiceName, r.Kind, strconv.Itoa(r.Subscriptions), strconv.Itoa(r.Quantity),
					amount(r.RecurringAmount), amount(r.StartupFees)})
			}
			return t, err
		}},
}

// CSVHandler serves GET /reports/<name>.csv?asOf=YYYY-MM-DD (or
// from=…&to=… for a period's report) from src. authorize decides who may
// (access.ReadReports behind the API's authentication); now is the clock.
func CSVHandler(src func() Source, authorize func(context.Context) error, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, apperr.New(apperr.CodeBadRequest, "reports are read with GET"))
			return
		}
		if err := authorize(r.Context()); err != nil {
			writeError(w, 0, err)
			return
		}
		name, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/reports/"), ".csv")
		rep, known := Files[name]
		if !ok || !known {
			writeError(w, http.StatusNotFound, apperr.New(apperr.CodeNotFound, "no report %q; the reports are %s", name, names()))
			return
		}
		today := bizdate.Truncate(now())
		q := r.URL.Query()
		from, to := today, today
		var err error
		if rep.Period {
			if from, err = dateParam(q.Get("from"), "from", nil); err == nil {
				to, err = dateParam(q.Get("to"), "to", nil)
			}
		} else {
			from, err = dateParam(q.Get("asOf"), "asOf", &today)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		t, err := rep.Run(r.Context(), src(), from, to, today)
		if err != nil {
			writeError(w, 0, err)
			return
		}
		file := rep.Name + "-" + date(from)
		if rep.Period {
			file += "-" + date(to)
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, file))
		if r.Method == http.MethodHead {
			return
		}
		_ = t.WriteCSV(w)
	})
}

func names() string { return strings.Join(slices.Sorted(maps.Keys(Files)), ", ") }

// dateParam reads a date parameter, or def when it is absent and def is
// given.
func dateParam(v, name string, def *time.Time) (time.Time, error) {
	if v == "" {
		if def != nil {
			return *def, nil
		}
		return time.Time{}, apperr.Validation(name, "give %s as YYYY-MM-DD", name)
	}
	d, err := bizdate.Parse(v)
	if err != nil {
		return time.Time{}, apperr.Validation(name, "%v", err)
	}
	return d, nil
}

// writeError answers with the GraphQL-style error body the API uses, the
// status from the code unless given.
func writeError(w http.ResponseWriter, status int, err error) {
	e, ok := apperr.As(err)
	switch {
	case ok:
	case database.Unreachable(err):
		e = apperr.Wrap(apperr.CodeUnavailable, err, "the database cannot be reached; try again in a moment")
	default:
		e = apperr.Wrap(apperr.CodeInternal, err, "the report failed")
	}
	if status == 0 {
		status = statusOf(e.Code)
	}
	ext := map[string]any{"code": e.Code}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": e.Message, "extensions": ext}}})
}

func statusOf(c apperr.Code) int {
	switch c {
	case apperr.CodeUnauthenticated:
		return http.StatusUnauthorized
	case apperr.CodeForbidden:
		return http.StatusForbidden
	case apperr.CodeNotFound:
		return http.StatusNotFound
	case apperr.CodeInternal:
		return http.StatusInternalServerError
	case apperr.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}
