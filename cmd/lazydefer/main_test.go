package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// The committed executor is rewritten, and the rewrite refuses an
// executor it does not recognise rather than half-rewriting it.
func TestTheExecutorBuildsItsPathOnlyForDeferredFragments(t *testing.T) {
	src, err := os.ReadFile("../../graph/generated.go")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(src, []byte(eager)) || !bytes.Contains(src, []byte(lazy)) {
		t.Fatal("graph/generated.go builds every object's path eagerly: run make generate")
	}
	if n, m := bytes.Count(src, []byte(lazy)), bytes.Count(src, []byte(pathProcess)); n != m {
		t.Fatalf("%d lazy groups but %d set their path before processing", n, m)
	}

	object := "func (ec *executionContext) _X(ctx context.Context) {\n\t" + eager + "\n\tif n := len(deferred.Defers); n > 0 {\n\t\t" + process + "\n\t}\n}\n"
	out, err := lazyDefer([]byte(object))
	if err != nil || !strings.Contains(string(out), lazy) || !strings.Contains(string(out), pathProcess) {
		t.Fatalf("rewrite: %v\n%s", err, out)
	}
	if _, err := lazyDefer(out); err == nil {
		t.Fatal("an executor rewritten already was rewritten again")
	}
	if _, err := lazyDefer([]byte(strings.Replace(object, process, "ec.Process(deferred)", 1))); err == nil {
		t.Fatal("an executor whose groups are processed another way was rewritten")
	}
}
