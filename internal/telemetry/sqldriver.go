package telemetry

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// maxStatementLength caps the statement text a span carries; a statement
// with a long IN list would otherwise fill the span.
const maxStatementLength = 2000

// WrapDriver returns drv counting every statement in m and, with a
// tracer, giving every Exec and Query (in a transaction or not) a client
// span carrying the statement text. Arguments are never recorded: ent
// sends every value as an argument, so the text holds none.
func WrapDriver(drv dialect.Driver, tracer trace.Tracer, m *Metrics) dialect.Driver {
	if tracer == nil && m == nil {
		return drv
	}
	system := drv.Dialect()
	if system == dialect.Postgres {
		system = "postgresql"
	}
	return &driver{Driver: drv, sql: sqlObserver{tracer: tracer, metrics: m, system: system}}
}

type sqlObserver struct {
	tracer  trace.Tracer
	metrics *Metrics
	system  string
}

func (o sqlObserver) run(ctx context.Context, query string, fn func(context.Context) error) error {
	if o.tracer == nil {
		err := fn(ctx)
		o.metrics.Statement(query, err)
		return err
	}
	kind := strings.ToUpper(statementKinds[statementKind(query)])
	text := query
	if len(text) > maxStatementLength {
		text = text[:maxStatementLength]
	}
	ctx, span := o.tracer.Start(ctx, kind, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("db.system.name", o.system),
		attribute.String("db.operation.name", kind),
		attribute.String("db.query.text", text),
	))
	err := fn(ctx)
	o.metrics.Statement(query, err)
	if err != nil {
		span.SetStatus(codes.Error, Redact(err.Error()))
	}
	span.End()
	return err
}

type driver struct {
	dialect.Driver
	sql sqlObserver
}

func (d *driver) Exec(ctx context.Context, query string, args, v any) error {
	return d.sql.run(ctx, query, func(ctx context.Context) error { return d.Driver.Exec(ctx, query, args, v) })
}

func (d *driver) Query(ctx context.Context, query string, args, v any) error {
	return d.sql.run(ctx, query, func(ctx context.Context) error { return d.Driver.Query(ctx, query, args, v) })
}

func (d *driver) Tx(ctx context.Context) (dialect.Tx, error) {
	t, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &tx{Tx: t, sql: d.sql}, nil
}

// BeginTx starts a transaction with options, when the wrapped driver can.
func (d *driver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	drv, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return nil, fmt.Errorf("telemetry: %T has no BeginTx", d.Driver)
	}
	t, err := drv.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &tx{Tx: t, sql: d.sql}, nil
}

type tx struct {
	dialect.Tx
	sql sqlObserver
}

func (t *tx) Exec(ctx context.Context, query string, args, v any) error {
	return t.sql.run(ctx, query, func(ctx context.Context) error { return t.Tx.Exec(ctx, query, args, v) })
}

func (t *tx) Query(ctx context.Context, query string, args, v any) error {
	return t.sql.run(ctx, query, func(ctx context.Context) error { return t.Tx.Query(ctx, query, args, v) })
}
