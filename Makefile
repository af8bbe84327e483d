# The one test command (README, .ci/run): static checks, the Go tests with the race
# detector, then the AWS conformance corpus with its ratchet.
GO ?= go

.PHONY: test check gotest conformance build bench

test: check gotest conformance

build:
	$(GO) build -o bin/stepwise ./cmd/stepwise

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

gotest:
	$(GO) test -race -count=1 ./...

conformance: build
	scripts/conformance.sh bin/stepwise

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
