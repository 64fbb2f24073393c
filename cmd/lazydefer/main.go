// Command lazydefer is the last step of `make generate`: it rewrites
// gqlgen's generated executor (graph/generated.go) so that an object's
// @defer bookkeeping computes the object's response path only when the
// object has a deferred fragment.
//
// gqlgen (v0.17.98) opens every object it marshals with
//
//	deferred := graphql.NewDeferredGroup(ctx)
//
// which walks the field contexts up to the root and boxes every step of
// the path into an interface, for every object of every response, though
// the path is read only when a fragment under the object is deferred.
// That walk was 18 % of all allocations of the nested customer page
// (docs/performance.md). The rewrite builds the same group without the
// path and sets the path, from the same context, right before
// ec.ProcessDeferredGroup, the one place that reads it; responses are
// byte for byte the same.
//
// It refuses to write anything unless both patterns occur equally often,
// so a gqlgen upgrade that changes them fails generation loudly instead
// of leaving a half-rewritten executor.
package main

import (
	"bytes"
	"fmt"
	"os"
)

const (
	eager = "deferred := graphql.NewDeferredGroup(ctx)"
	lazy  = "deferred := graphql.DeferredGroup{FieldSet: graphql.NewFieldSet(nil), Defers: make(map[string]*graphql.FieldSetView), Context: ctx}"

	process     = "ec.ProcessDeferredGroup(deferred)"
	pathProcess = "deferred.Path = graphql.GetPath(ctx)\n\t\tec.ProcessDeferredGroup(deferred)"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lazydefer graph/generated.go")
		os.Exit(2)
	}
	if err := rewrite(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "lazydefer:", err)
		os.Exit(1)
	}
}

func rewrite(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := lazyDefer(src)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// lazyDefer returns src with every object's deferred group made lazy.
func lazyDefer(src []byte) ([]byte, error) {
	groups, processed := bytes.Count(src, []byte(eager)), bytes.Count(src, []byte(process))
	if groups == 0 || groups != processed || bytes.Contains(src, []byte("deferred.Path")) {
		return nil, fmt.Errorf("gqlgen's executor has %d %q and %d %q (and must not set deferred.Path yet): "+
			"its template changed, so update cmd/lazydefer or drop it", groups, eager, processed, process)
	}
	src = bytes.ReplaceAll(src, []byte(eager), []byte(lazy))
	return bytes.ReplaceAll(src, []byte(process), []byte(pathProcess)), nil
}
