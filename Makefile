# The one test command (README, .ci/run): static checks, the Go tests with the race
# detector, the AWS conformance corpus's summary and its ratchet (conformance/, in Go: the
# corpus is in the repository), `stepwise test examples/`, then which test groups were skipped.
GO ?= go

.PHONY: test check gotest conformance examples skipped build bench faults

test: check gotest conformance examples skipped

build:
	$(GO) build -o bin/stepwise ./cmd/stepwise

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

gotest:
	$(GO) test -race -count=1 ./...

# The corpus also runs in gotest; this prints its summary and the first SHOW differences.
conformance:
	$(GO) test -count=1 -run '^TestCorpus$$' -v ./conformance -args -show $${SHOW:-10}

# The examples' own test files, run as users run them; the JUnit file is for CI's artifacts.
examples: build
	@mkdir -p artifacts
	bin/stepwise test --junit artifacts/examples-junit.xml examples/

# Which test groups could not run here, and why (they skip when a program or server is missing).
skipped:
	@scripts/skipped.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The fault suite's long mode (docs/reliability.md): bigger loads, PostgreSQL down 10 s, and a
# 30-minute soak; `make test` runs its short mode with the other packages. The table is
# printed at the end and written to $(FAULTS_REPORT).
FAULTS_REPORT ?= faults-report.md
faults:
	STEPWISE_FAULTS=long STEPWISE_FAULTS_REPORT=$(abspath $(FAULTS_REPORT)) $(GO) test -count=1 -timeout 90m -v ./e2e/faults
