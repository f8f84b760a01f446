# Zapis: build, test and run. `make help` lists the targets.
#
# sam build (BuildMethod: makefile, CodeUri: .) runs `make build-<LogicalId>`
# with ARTIFACTS_DIR set; `make build` does the same for every function into
# .aws-sam-local/<LogicalId>/ without SAM.

SHELL := /bin/bash
.DEFAULT_GOAL := help

GO ?= go
# staticcheck 2025.1.1; the proxy serves it by module version, not by tag.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.6.1
LOCAL_ARTIFACTS := .aws-sam-local

# lambda(LogicalId,folder) declares build-<LogicalId> for functions/<folder>
# and adds it to FUNCTIONS. Lambdas run provided.al2023 on arm64: a static
# binary named bootstrap, without the RPC shim (lambda.norpc).
FUNCTIONS :=
define lambda
FUNCTIONS += $(1)
.PHONY: build-$(1)
build-$(1):
	@test -n "$$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it; or use make build)" >&2; exit 1; }
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $$(GO) build -tags lambda.norpc -trimpath -ldflags="-s -w" -o $$(ARTIFACTS_DIR)/bootstrap ./functions/$(2)
endef

# One line per function in template.yaml (go test ./infra/template checks it).
$(eval $(call lambda,ListServicesFunction,list-services))
$(eval $(call lambda,GetServiceFunction,get-service))
$(eval $(call lambda,CreateServiceFunction,create-service))
$(eval $(call lambda,ListInstitutionsFunction,list-institutions))
$(eval $(call lambda,GetInstitutionFunction,get-institution))
$(eval $(call lambda,CreateInstitutionFunction,create-institution))
$(eval $(call lambda,ListSlotsFunction,list-slots))
$(eval $(call lambda,CreateSlotsFunction,create-slots))
$(eval $(call lambda,PutScheduleFunction,put-schedule))
$(eval $(call lambda,GenerateSlotsFunction,generate-slots))
$(eval $(call lambda,GetProfileFunction,get-profile))
$(eval $(call lambda,PutProfileFunction,put-profile))
$(eval $(call lambda,CreateBookingFunction,create-booking))
$(eval $(call lambda,ListBookingsFunction,list-bookings))
$(eval $(call lambda,GetBookingFunction,get-booking))
$(eval $(call lambda,CancelBookingFunction,cancel-booking))
$(eval $(call lambda,RescheduleBookingFunction,reschedule-booking))
$(eval $(call lambda,InstitutionBookingsFunction,institution-bookings))
$(eval $(call lambda,RecordAttendanceFunction,record-attendance))
$(eval $(call lambda,UploadDocumentFunction,upload-document))
$(eval $(call lambda,SubmitDocumentFunction,submit-document))
$(eval $(call lambda,GetConfirmationFunction,get-confirmation))
$(eval $(call lambda,CheckinFunction,checkin))
$(eval $(call lambda,DocumentCheckFunction,document-check))
$(eval $(call lambda,ConfirmationFunction,confirmation))
$(eval $(call lambda,ExpirePendingFunction,expire-pending))
$(eval $(call lambda,GetNotificationSettingsFunction,get-notification-settings))
$(eval $(call lambda,PutNotificationSettingsFunction,put-notification-settings))
$(eval $(call lambda,ListNotificationsFunction,list-notifications))
$(eval $(call lambda,Remind24hFunction,remind-24h))
$(eval $(call lambda,Remind1hFunction,remind-1h))

.PHONY: help run test lint build bench bench-engine fuzz

help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'
	@echo "  build-<LogicalId>  one function's bootstrap into \$$ARTIFACTS_DIR (used by sam build):"
	@for f in $(FUNCTIONS); do echo "    build-$$f"; done

# ADDR (default 127.0.0.1:3000) and AWS_ENDPOINT_URL reach the runner through
# the environment: `make run ADDR=127.0.0.1:8080` exports it too.
run: ## start the local stack (API on embedded emulators, demo catalog) on $ADDR
	$(GO) run ./infra/local

test: ## go test -race ./..., the store suite on the benchmarks' engine, then cfn-lint
	$(GO) mod tidy -diff
	$(GO) test -race -count=1 -timeout 30m ./...
	@# The patch still applies, and the engine make bench measures passes
	@# the store and emulator suites like the others.
	$(MAKE) --no-print-directory bench-engine
	$(GO) test -tags minidynpatch -modfile=$(BENCH_MOD)/go.mod -count=1 ./shared/store/ ./infra/emulators/
	$(GO) vet -tags minidynpatch -modfile=$(BENCH_MOD)/go.mod ./bench/
	@if command -v cfn-lint >/dev/null 2>&1; then \
		echo "cfn-lint template.yaml"; cfn-lint template.yaml; \
	else \
		echo "cfn-lint not installed: template not linted (pip install cfn-lint)"; \
	fi

lint: ## go mod tidy -diff, go vet, gofmt and staticcheck
	@# A direct dependency marked indirect (or a stale go.sum) fails here.
	$(GO) mod tidy -diff
	$(GO) vet ./...
	@bad="$$(gofmt -l .)"; if [ -n "$$bad" ]; then echo "gofmt needed:"; echo "$$bad"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...

build: ## build every function into .aws-sam-local/<LogicalId>/bootstrap and check they differ
	@rm -rf $(LOCAL_ARTIFACTS)
	@set -e; for f in $(FUNCTIONS); do \
		mkdir -p $(LOCAL_ARTIFACTS)/$$f; \
		$(MAKE) --no-print-directory build-$$f ARTIFACTS_DIR=$(CURDIR)/$(LOCAL_ARTIFACTS)/$$f; \
	done
	@# Two identical binaries mean two functions run the same code.
	@sums="$$(sha256sum $(LOCAL_ARTIFACTS)/*/bootstrap)"; \
	dups="$$(echo "$$sums" | awk '{print $$1}' | sort | uniq -d)"; \
	if [ -n "$$dups" ]; then \
		echo "identical bootstraps:"; echo "$$sums" | grep -F "$$dups"; exit 1; \
	fi; \
	echo "$(words $(FUNCTIONS)) distinct bootstraps in $(LOCAL_ARTIFACTS)/"

# The cold starts run first and write their JSON; the second package folds
# it into the one report (bench/out/report.{json,md}) with everything else.
# The benchmarks build against minidyn with bench/minidyn/minidyn.patch
# (through -modfile; make run and make test keep the stock module): stock
# minidyn re-sorts a table's keys on every insert and copies whole tables
# around every transaction, so a 100,000-booking table does not load.
BENCH_OUT := $(CURDIR)/bench/out
BENCH_MOD := $(BENCH_OUT)/mod
# Recursive (=): asked of go only when bench-engine runs, not on every make
# (sam build calls make once per function).
MINIDYN = github.com/truora/minidyn@$(shell $(GO) list -m -f '{{.Version}}' github.com/truora/minidyn)
bench: bench-engine ## run every benchmark once; the report goes to bench/out/report.{json,md}
	ZAPIS_COLDSTART_OUT=$(BENCH_OUT)/coldstart.json $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./bench/coldstart/
	ZAPIS_COLDSTART_REPORT=$(BENCH_OUT)/coldstart.json $(GO) test -tags minidynpatch -modfile=$(BENCH_MOD)/go.mod -run '^$$' -bench . -benchtime 1x -timeout 3h ./bench/

bench-engine: ## patched minidyn for the benchmarks, in bench/out/mod
	@rm -rf $(BENCH_MOD) && mkdir -p $(BENCH_MOD)
	@src="$$($(GO) mod download -json $(MINIDYN) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p')"; \
	test -d "$$src" || { echo "bench-engine: $(MINIDYN) not downloaded" >&2; exit 1; }; \
	cp -r "$$src" $(BENCH_MOD)/minidyn && chmod -R u+w $(BENCH_MOD)/minidyn
	patch -s -p1 -d $(BENCH_MOD)/minidyn < bench/minidyn/minidyn.patch
	cp go.mod go.sum $(BENCH_MOD)/
	echo 'replace github.com/truora/minidyn => $(BENCH_MOD)/minidyn' >> $(BENCH_MOD)/go.mod

# Each fuzz target runs alone for FUZZTIME (go test fuzzes one target of one
# package at a time); a failure is reported at the end, after the others ran.
# A run that fails with only "context deadline exceeded" and writes no
# failing input is go.dev/issue/75804 (a race in go1.26's fuzz coordinator
# when -fuzztime ends), not a finding: it is reported and not counted.
FUZZTIME ?= 30s
fuzz: ## run every fuzz target for $FUZZTIME each (default 30s)
	@set -o pipefail; \
	targets="$$($(GO) test -list '^Fuzz' ./... | awk '/^Fuzz/ { name[n++] = $$1 } /^ok/ { for (i = 0; i < n; i++) print $$2, name[i]; n = 0 }')" || exit 1; \
	if [ -z "$$targets" ]; then echo "no fuzz targets found"; exit 1; fi; \
	log="$$(mktemp)"; trap 'rm -f "$$log"' EXIT; failed=""; \
	while read -r pkg name; do \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		if $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" </dev/null 2>&1 | tee "$$log"; then continue; fi; \
		if grep -qx '    context deadline exceeded' "$$log" && ! grep -q 'Failing input written' "$$log"; then \
			echo "== $$name: go.dev/issue/75804 at the end of -fuzztime, not a failure"; \
		else \
			failed="$$failed $$name"; \
		fi; \
	done <<< "$$targets"; \
	if [ -n "$$failed" ]; then echo "fuzz targets failed:$$failed"; exit 1; fi; \
	echo "all $$(wc -l <<< "$$targets") fuzz targets passed"
