# socklab: see README.md. `make grade` and `make test` are all the set-up.

SRC        ?= assignments
BIN        ?=
ASSIGNMENT ?=
RUN        ?=
RESULTS    ?= results/results.json
GO         ?= go
# The grader is built from this repository's go.mod alone: a go.work or a
# vendor/ directory (a student's, say) cannot swap the code it runs.
GRADER_BUILD = GOWORK=off GOFLAGS=-mod=mod $(GO) build -o $(GRADER) ./grader
# GRADER_REF: grade with the grader and scenarios of another copy of the
# course (a git URL or a local directory), not the local ones. Empty: local.
GRADER_REF ?=
REF_DIR    := .grader-ref

.PHONY: grade test seal check stress bench new-scenario template batch

## grade: build and grade $(SRC) (default: your work in assignments/)
# The grader is built, then run (not `go run`, which turns every failing
# status into 1): it exits 0 when all passed, 1 when some failed, 2 when
# grading could not run, and make says "Error 1" or "Error 2".
GRADER := .bin/grader
# Said before the grader's first build, which fetches and compiles its
# libraries: a minute of silence otherwise.
FIRST_BUILD = [ -x $(GRADER) ] || echo "building the grader: the first time takes a minute or so"

ifeq ($(strip $(GRADER_REF)),)
grade:
	@$(FIRST_BUILD)
	@$(GRADER_BUILD)
	@$(GRADER) grade -src '$(SRC)' -bin '$(BIN)' -assignment '$(ASSIGNMENT)' -run '$(RUN)' -results '$(RESULTS)'
else
grade:
	@rm -rf '$(REF_DIR)'
	@if [ -e '$(GRADER_REF)/.git' ]; then git clone -q '$(GRADER_REF)' '$(REF_DIR)'; \
	elif [ -d '$(GRADER_REF)' ]; then cp -R '$(GRADER_REF)' '$(REF_DIR)'; \
	else git clone -q --depth 1 '$(GRADER_REF)' '$(REF_DIR)'; fi
	@cd '$(REF_DIR)' && { $(FIRST_BUILD); } && $(GRADER_BUILD) && $(GRADER) grade -src '$(abspath $(SRC))' \
		-bin '$(if $(BIN),$(abspath $(BIN)))' -assignment '$(ASSIGNMENT)' -run '$(RUN)' -results '$(abspath $(RESULTS))'
endif

## test: the harness's own checks: formatting, vet, the scenario linter,
## actionlint on the workflows, and the Go tests, among them the reference
## solutions scoring full marks, the skeletons zero, and every mutant caught
## (make check)
test:
	@unformatted=$$(gofmt -l grader assignments $(wildcard solutions)); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run ./grader lint
	$(GO) tool actionlint $(wildcard .github/workflows/*.yml .github/workflows/*.yaml)
	$(GO) tool gotestsum --format pkgname -- -count=1 ./...

## seal: instructors only, after changing scenarios, the grader or the CI
## files: record their checksums in testdata/SEAL
seal:
	$(GO) run ./grader seal

## check: instructors: the reference scores full marks, the skeletons zero,
## and every mutant (solutions/<NN>/mutants) loses points to the scenario
## family it names
check:
	@$(FIRST_BUILD)
	@$(GRADER_BUILD)
	@$(GRADER) check

## stress: grade the reference N times and each mutant's catching scenario
## N times; any result that differs fails
N ?= 200
stress:
	@$(GRADER_BUILD)
	@$(GRADER) stress -n $(N)

## bench: time grading the reference (build and scenarios), per scenario
bench:
	@$(GRADER_BUILD)
	@$(GRADER) bench

## new-scenario: write testdata/$(A)/$(N).txtar from a template, e.g.
## make new-scenario A=01-stream N=eof-server-slow-close
new-scenario:
	@$(GRADER_BUILD)
	@$(GRADER) new -assignment '$(A)' -name '$(N)'

## template: write the student repository to DEST: every file git tracks
## but solutions/ (and their mutants) and the instructor's guide, the
## README without its instructors' section, sealed anew (grader/template)
DEST ?= ../socklab-template
template:
	@$(GRADER_BUILD)
	@$(GRADER) template -dest '$(DEST)'

## batch: grade a whole class: every folder of DIR is one student's
## submission; writes to OUT (default batch-results) grades.csv, report.html
## and feedback/<student>/ (report.txt and results.json, to hand back)
OUT ?= batch-results
batch:
	@[ -n '$(DIR)' ] || { echo 'usage: make batch DIR=submissions [OUT=batch-results] [ASSIGNMENT=NN-name]' >&2; exit 2; }
	@$(GRADER_BUILD)
	@$(GRADER) batch -assignment '$(ASSIGNMENT)' -out '$(OUT)' '$(DIR)'
