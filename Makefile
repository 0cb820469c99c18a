# socklab: see README.md. `make grade` and `make test` are all the set-up.

SRC        ?= assignments
ASSIGNMENT ?=
RESULTS    ?= results/results.json
GO         ?= go

.PHONY: grade test

## grade: build and grade $(SRC) (default: your work in assignments/)
grade:
	@$(GO) run ./grader grade -src '$(SRC)' -assignment '$(ASSIGNMENT)' -results '$(RESULTS)'

## test: the harness's own checks: formatting, vet, unit tests, and the
## reference solutions scoring full marks and the skeletons zero
test:
	@unformatted=$$(gofmt -l grader solutions assignments); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool gotestsum --format pkgname -- -count=1 ./...
