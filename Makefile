# The whole test suite is `make test`; `make run` starts the emulator with
# its built-in defaults.
GO       ?= go
FUZZTIME ?= 20s

.PHONY: all build run test lint unit race fuzz bench generate clean

all: test

build: ## release binary in bin/ (the same script the Dockerfile uses)
	sh scripts/build.sh bin/emulator

run: ## run the emulator with its built-in defaults on :8780
	$(GO) run ./cmd/emulator

lint: ## gofmt and go vet must be clean
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

unit: ## every test, including the SDK, browser, binary and chroot suites
	$(GO) test -count=1 -timeout 30m ./...

race: ## the concurrency-heavy suites under the race detector
	$(GO) test -count=1 -race -timeout 20m ./emulator/... ./scenarios/...
	$(GO) test -count=1 -race -timeout 20m -run 'Load|Parallel|Namespace' ./integration/

fuzz: ## every fuzz target for FUZZTIME each
	FUZZTIME=$(FUZZTIME) sh scripts/fuzz.sh

test: lint unit race fuzz

bench: ## side-by-side benchmark against a bare net/http server (not a test)
	$(GO) run ./integration/bench

generate:
	$(GO) generate ./...

clean:
	rm -rf bin integration/artifacts
