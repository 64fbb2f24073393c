package graph

import (
	"context"
	"time"

	"kundportal/internal/access"
	"kundportal/internal/bizdate"
	"kundportal/internal/reporting"
)

// reports opens the reports' namespace to those who may run them.
func reports(ctx context.Context) (*reporting.Reports, error) {
	if err := access.ReadReports(ctx); err != nil {
		return nil, err
	}
	return &reporting.Reports{}, nil
}

// today is the business date in Europe/Stockholm.
func today() time.Time { return bizdate.Truncate(time.Now()) }

// ptrs gives gqlgen the rows as pointers.
func ptrs[T any](rows []T, err error) ([]*T, error) {
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(rows))
	for i := range rows {
		out[i] = &rows[i]
	}
	return out, nil
}
