# Kundportal API. `make run` and `make test` are all most people need.
GO ?= go
BIN := bin/kundportal

.PHONY: run build test bench generate migration lint check-generated release-schema

## run: build and serve on http://localhost:8080 (embedded SQLite + demo data; DATABASE_URL=postgres://… for PostgreSQL)
run: build
	./$(BIN)

## build: compile the server into bin/
build:
	$(GO) build -o $(BIN) .

## test: the whole suite, on PostgreSQL (TEST_DATABASE_URL) and SQLite
test:
	@$(GO) test -count=1 ./...; status=$$?; $(GO) run ./internal/testdb/pgcheck || status=1; exit $$status

## bench: benchmarks, then the load run of cmd/loadbench on PostgreSQL (BENCH_FLAGS=-subscriptions=1000000 for the large dataset); figures are written down in docs/performance.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./cmd/loadbench $(BENCH_FLAGS)

## generate: ent, ent.graphql and gqlgen code (with cmd/execpatch's rewrites of gqlgen's executor); must leave no diff
generate:
	$(GO) run ./ent/entc.go
	$(GO) tool gqlgen generate
	$(GO) run ./cmd/execpatch graph/generated.go

## migration: write the next migration files (PostgreSQL and SQLite) from ent/schema after make generate, e.g. make migration NAME=add_invoice_reference; needs PostgreSQL (TEST_DATABASE_URL) for its dev database (docs/operations.md)
migration:
	@test -n "$(NAME)" || { echo "usage: make migration NAME=add_something"; exit 1; }
	$(GO) run ./cmd/migration -name $(NAME)

## lint: go vet and a gofmt check
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## check-generated: fail if `make generate` changes committed files, or cannot run with the generated code deleted, or the migration files disagree with ent/schema or their atlas.sum (needs PostgreSQL)
check-generated: generate
	@out=$$(git status --porcelain -- ent graph ent.graphql); if [ -n "$$out" ]; then echo "generated code is stale: run make generate and commit"; echo "$$out"; exit 1; fi
	@GO=$(GO) ./scripts/generate-from-scratch.sh
	@$(GO) run ./cmd/migration -check

## release-schema: record the schema a release ships; from then on the tests refuse changes that break its clients (docs/schema-evolution.md)
release-schema:
	@{ echo "# The API schema of the last release, recorded by make release-schema. Do not edit."; cat ent.graphql schema.graphql; } > docs/schema/released.graphql
