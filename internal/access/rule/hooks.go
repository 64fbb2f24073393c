package rule

import (
	"context"
	"fmt"
	"sync"

	"entgo.io/ent"
)

// Hooks, like policies, are named in ent/schema and bound by the package
// that implements them, which imports the generated code: the subscription
// feed (internal/feed) binds FeedHook when it is linked in
// (internal/database imports it).

// FeedHook names the hook that records every change of a subscription in
// the partners' feed (D-P1).
const FeedHook = "subscription-feed"

var hooks sync.Map // name → ent.Hook

// BindHook installs the hook of a name.
func BindHook(name string, h ent.Hook) { hooks.Store(name, h) }

// Hook returns the hook of a name, which refuses every mutation until it
// is bound.
func Hook(name string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			h, ok := hooks.Load(name)
			if !ok {
				return nil, fmt.Errorf("hook %s is not bound: import its package", name)
			}
			return h.(ent.Hook)(next).Mutate(ctx, m)
		})
	}
}
