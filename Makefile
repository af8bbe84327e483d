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

# The race detector instruments our code and every dependency but SQLite's C code, translated
# into Go (modernc.org/sqlite/lib, and the C library it runs on, modernc.org/libc): with them
# instrumented, each store operation was several times slower (opening a new database 1.15 s
# instead of 0.2 s; the replay of the AWS recordings 542 s of `make gotest` instead of 215 s,
# and all of `make gotest` 11 minutes instead of about 18 on a slow host), and a race in
# them would be SQLite's own. The Go driver around them (modernc.org/sqlite), database/sql and
# our calls stay instrumented: leaving the driver out too made the detector report races that
# are not (in encoding/json's cache), so it is not. A race in our code is still reported.
RACE_GCFLAGS ?= -gcflags='modernc.org/sqlite/lib=-race=false' -gcflags='modernc.org/libc/...=-race=false'

gotest:
	$(GO) test -race $(RACE_GCFLAGS) -count=1 ./...

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
