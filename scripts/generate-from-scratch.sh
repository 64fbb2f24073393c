#!/usr/bin/env bash
# Proves that `make generate` cannot lock itself: in a copy of the tree
# with every generated file deleted (all of ent/ but ent/schema, entc.go
# and generate.go, and graph/generated.go), generation must run and
# produce exactly the committed files. It fails if ent/schema ever imports
# a package that needs the generated code.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$tmp"
find "$tmp/ent" -mindepth 1 -maxdepth 1 ! -name schema ! -name entc.go ! -name generate.go -exec rm -rf {} +
rm -f "$tmp/graph/generated.go"

(cd "$tmp" && ${GO:-go} run ./ent/entc.go && ${GO:-go} tool gqlgen generate && ${GO:-go} run ./cmd/execpatch graph/generated.go)

if ! diff -r -q ent "$tmp/ent" || ! diff -q graph/generated.go "$tmp/graph/generated.go" || ! diff -q ent.graphql "$tmp/ent.graphql"; then
  echo "generation from scratch differs from the committed generated code"
  exit 1
fi
echo "generation from scratch reproduces the committed code"
