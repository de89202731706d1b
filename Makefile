# Packline. `make run` starts the system on embedded defaults with demo
# data; `make test` is what CI runs.

GO      ?= go
BIN     := bin
RUN_DIR ?= .run

export CGO_ENABLED := 1

.PHONY: all build test testdeps bench run lint fuzz clean

all: build

## build: every binary under cmd/ into bin/
build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

## test: vet, then every test with the race detector (installs test tools first)
test: testdeps
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 15m ./...

## testdeps: what the tests need beyond Go (idempotent; see scripts/testdeps.d)
testdeps:
	@scripts/testdeps.sh

## bench: every benchmark, with the ratios the issues ask for
bench:
	@scripts/bench.sh

## run: the whole system on embedded defaults with demo data
run: build
	@RUN_DIR=$(RUN_DIR) scripts/run.sh

## lint: formatting, vet and staticcheck (pinned)
lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

## fuzz: a short run of every fuzz target (FUZZTIME=30s by default)
fuzz:
	@scripts/fuzz.sh $(or $(FUZZTIME),30s)

clean:
	rm -rf $(BIN) $(RUN_DIR)
