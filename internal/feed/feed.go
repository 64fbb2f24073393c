// Package feed is the subscription feed partners keep their own copies by
// (docs/partners.md): every change of a subscription (created, activated,
// quantity changed, termination noticed, terminated, moved to KA2) is
// written, in the changing transaction, as a row with a position, and a
// partner pages through the changes after a cursor, never missing or
// repeating one.
//
// Positions are safe against commits out of order. A plain
// auto-increment is not: a transaction that took number 7 may commit after
// one that took 8, and a reader that saw 8 would skip 7 for ever. On
// PostgreSQL each row carries the id of its writing transaction, and a
// reader returns only rows of transactions older than every transaction
// still running (pg_snapshot_xmin), in (transaction, row) order: nothing
// can later appear before what was returned. Transaction ids are the
// whole server's, so a long write transaction anywhere on it delays the
// feed (never loses a change). On SQLite writers are serialised, so the
// row number alone is the order.
package feed

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"kundportal/ent"
	"kundportal/ent/hook"
	"kundportal/ent/schema/pulid"
	"kundportal/ent/subscription"
	"kundportal/ent/subscriptionchange"
	"kundportal/internal/access"
	"kundportal/internal/access/rule"
	"kundportal/internal/apperr"
)

func init() { rule.BindHook(rule.FeedHook, record) }

// record writes a change row for each subscription a mutation changes, in
// its transaction, with the subscription as it is after the change. A
// write that changes nothing partners keep (a row lock's updated_at)
// writes no row.
func record(next ent.Mutator) ent.Mutator {
	return hook.SubscriptionFunc(func(ctx context.Context, m *ent.SubscriptionMutation) (ent.Value, error) {
		sys := access.SystemContext(ctx)
		kind := kindOf(m)
		if kind == "" || m.Op().Is(ent.OpDelete|ent.OpDeleteOne) {
			return next.Mutate(ctx, m)
		}
		var ids []pulid.ID
		if !m.Op().Is(ent.OpCreate) {
			var err error
			if ids, err = m.IDs(sys); err != nil {
				return nil, err
			}
		}
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return v, err
		}
		if sub, ok := v.(*ent.Subscription); ok && m.Op().Is(ent.OpCreate) {
			ids = []pulid.ID{sub.ID}
		}
		client := m.Client()
		subs, err := client.Subscription.Query().Where(subscription.IDIn(ids...)).All(sys)
		if err != nil {
			return nil, err
		}
		now := time.Now()
		for _, s := range subs {
			if err := client.SubscriptionChange.Create().
				SetSubscriptionID(s.ID).SetCustomerID(s.CustomerID).SetServiceID(s.ServiceID).SetAgreementID(s.AgreementID).
				SetKind(kind).SetStatus(string(s.Status)).SetQuantity(s.Quantity).SetOccurredAt(now).
				Exec(sys); err != nil {
				return nil, fmt.Errorf("recording the change of subscription %s: %w", s.ID, err)
			}
		}
		return v, nil
	})
}

// kindOf names what a mutation does to a subscription, or "" when it
// changes nothing partners keep.
func kindOf(m *ent.SubscriptionMutation) subscriptionchange.Kind {
	if m.Op().Is(ent.OpCreate) {
		return subscriptionchange.KindCREATED
	}
	if st, ok := m.Status(); ok {
		switch st {
		case subscription.StatusACTIVE:
			return subscriptionchange.KindACTIVATED
		case subscription.StatusTERMINATION_NOTICED:
			return subscriptionchange.KindTERMINATION_NOTICED
		case subscription.StatusTERMINATED:
			return subscriptionchange.KindTERMINATED
		}
	}
	if _, ok := m.MigratedFromID(); ok {
		return subscriptionchange.KindMOVED_TO_KA2
	}
	if _, ok := m.AgreementID(); ok {
		return subscriptionchange.KindMOVED_TO_KA2
	}
	_, set := m.Quantity()
	_, added := m.AddedQuantity()
	if set || added {
		return subscriptionchange.KindQUANTITY_CHANGED
	}
	return ""
}

// Page is a page of the feed.
type Page struct {
	Changes []*ent.SubscriptionChange
	// EndCursor is where the next page starts: the last change's cursor,
	// or the one asked after when the page is empty.
	EndCursor string
	// HasMore says that more changes are visible now.
	HasMore bool
}

// MaxPage is the largest page.
const MaxPage = 1000

// Reader reads the feed of one database.
type Reader struct {
	Client *ent.Client
	// Dialect is the database's: dialect.Postgres or dialect.SQLite.
	Dialect string
}

// Read returns up to first changes after the cursor ("" for the start)
// that the caller may see: all, or a bound key's service's.
func (r *Reader) Read(ctx context.Context, after string, first int) (*Page, error) {
	client, dialectName := r.Client, r.Dialect
	service, err := access.ReadFeed(ctx)
	if err != nil {
		return nil, err
	}
	if first < 1 || first > MaxPage {
		return nil, apperr.Validation("first", "ask for 1 to %d changes", MaxPage)
	}
	tx, id, err := decode(after)
	if err != nil {
		return nil, err
	}
	q := client.SubscriptionChange.Query().
		Where(func(s *sql.Selector) {
			txc, idc := s.C(subscriptionchange.FieldTxID), s.C(subscriptionchange.FieldID)
			s.Where(sql.Or(sql.GT(txc, tx), sql.And(sql.EQ(txc, tx), sql.GT(idc, id))))
			if dialectName == dialect.Postgres {
				// Only what no running transaction can still precede.
				s.Where(sql.ExprP(txc + " < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
			}
		}).
		Order(ent.Asc(subscriptionchange.FieldTxID), ent.Asc(subscriptionchange.FieldID)).
		Limit(first + 1)
	if service != nil {
		q.Where(subscriptionchange.ServiceID(*service))
	}
	rows, err := q.All(access.SystemContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("reading the feed: %w", err)
	}
	p := &Page{EndCursor: after}
	if len(rows) > first {
		rows, p.HasMore = rows[:first], true
	}
	p.Changes = rows
	if len(rows) > 0 {
		p.EndCursor = Cursor(rows[len(rows)-1])
	}
	return p, nil
}

// Cursor is a change's position, to resume after.
func Cursor(c *ent.SubscriptionChange) string { return encode(c.TxID, c.ID) }

func encode(tx, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%d", tx, id)))
}

func decode(c string) (int64, int64, error) {
	if c == "" {
		return -1, 0, nil
	}
	bad := apperr.Validation("after", "not a cursor of this feed")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, bad
	}
	a, b, ok := strings.Cut(string(raw), ":")
	if !ok {
		return 0, 0, bad
	}
	tx, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || tx < 0 || id < 0 {
		return 0, 0, bad
	}
	return tx, id, nil
}
