# mail2jira: see README.md. `make run` starts the sandbox, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
AZURITE_VERSION := 3.37.0
TOOLS := $(CURDIR)/.tools
AZURITE := $(TOOLS)/node_modules/.bin/azurite
WITH_AZURITE := internal/devtools/with-azurite.sh
BIN := mail2jira
APP_DIR := build/app
PKG_DIR := dist/app
PKG_ZIP := dist/mail2jira.zip

.PHONY: help build app package start run test test-go lint bench azurite clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## host-native binary in bin/
	$(GO) build -o bin/$(BIN) .

app: build ## host-native Functions app folder in build/app (for func start)
	@rm -rf $(APP_DIR) && mkdir -p $(APP_DIR) && cp bin/$(BIN) $(APP_DIR)/$(BIN)
	$(GO) run ./internal/devtools/pack -src . -app $(APP_DIR)
	@if [ -f local.settings.json ]; then cp local.settings.json $(APP_DIR)/; fi

package: ## linux/amd64 Functions app in dist/app and dist/mail2jira.zip, ready to deploy
	@rm -rf $(PKG_DIR) $(PKG_ZIP) && mkdir -p $(PKG_DIR)
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags='-s -w' -o $(PKG_DIR)/$(BIN) .
	$(GO) run ./internal/devtools/pack -src . -app $(PKG_DIR) -zip $(PKG_ZIP)
	@echo "packaged $(PKG_ZIP)"

start: app ## the app under `func start` (needs Azure Functions Core Tools)
	@command -v func >/dev/null || { echo "Azure Functions Core Tools ('func') is not installed: see README.md#running-under-the-functions-host, or use 'make run'"; exit 1; }
	cd $(APP_DIR) && func start

run: azurite build ## the sandbox: Azurite, the Entra, Graph and Jira emulators and the service, no cloud account needed
	$(GO) build -o bin/sandbox ./internal/sandbox/cmd
	$(WITH_AZURITE) bin/sandbox -service bin/$(BIN)

test: azurite infra-check ## every test, against a private Azurite
	$(WITH_AZURITE) $(MAKE) --no-print-directory test-go

test-go:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; exit 1; }
	$(GO) vet ./...

bench: azurite ## benchmarks against Azurite and the emulators
	$(GO) build -o bin/$(BIN) .
	$(GO) build -o bin/bench ./internal/bench/cmd
	$(GO) build -o bin/bench-minhttp ./internal/bench/minhttp
	$(WITH_AZURITE) bin/bench -service bin/$(BIN) -minimal bin/bench-minhttp -out .bench $(BENCH_FLAGS)

azurite: $(AZURITE) ## install Azurite from npm into .tools/

$(AZURITE):
	@command -v npm >/dev/null || { echo "npm is needed to install Azurite: install Node.js 20+"; exit 1; }
	mkdir -p $(TOOLS) && cd $(TOOLS) && [ -f package.json ] || echo '{"private":true}' > $(TOOLS)/package.json
	cd $(TOOLS) && npm install --no-audit --no-fund --loglevel=error azurite@$(AZURITE_VERSION)

clean: ## remove build output (keeps .tools)
	rm -rf bin build dist .bench

# infra-check: terraform fmt and validate of infra/terraform against the azurerm provider's
# schema, and the infra/ cross-check tests. Terraform and the provider are built from Go modules
# (no provider registry needed) into .tools/bin once; dev_overrides make `init` unnecessary.
TERRAFORM := $(TOOLS)/bin/terraform
TF_AZURERM := $(TOOLS)/bin/terraform-provider-azurerm
TF_ENV := TF_CLI_CONFIG_FILE=$(TOOLS)/terraformrc TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

.PHONY: infra-check
infra-check: $(TERRAFORM) $(TF_AZURERM) ## terraform fmt/validate of infra/terraform and the infra cross-check
	@printf 'provider_installation {\n  dev_overrides {\n    "hashicorp/azurerm" = "%s"\n  }\n  direct {}\n}\n' "$(TOOLS)/bin" > $(TOOLS)/terraformrc
	$(TF_ENV) $(TERRAFORM) -chdir=infra/terraform fmt -check -recursive -diff
	$(TF_ENV) $(TERRAFORM) -chdir=infra/terraform validate -no-color
	INFRA_CHECK_TOOLS=$(TOOLS)/bin $(GO) test -count=1 ./infra/...

$(TERRAFORM):
	mkdir -p $(TOOLS)/bin && GOBIN=$(TOOLS)/bin $(GO) install github.com/hashicorp/terraform@v1.5.7

$(TF_AZURERM):
	@echo "building the azurerm provider from Go modules: minutes and GBs of build cache, once"
	mkdir -p $(TOOLS)/bin && GOBIN=$(TOOLS)/bin $(GO) install github.com/hashicorp/terraform-provider-azurerm@v1.44.1-0.20260824201233-fae580791926

# chromium: the headless browser that the docs page test (handlers/docs_test.go) drives with
# chromedp. Debian's package, installed only when no Chromium is on PATH (or CHROMIUM names one).
.PHONY: chromium
chromium: ## install Debian's chromium for the docs page browser test, when missing
	@[ -n "$$CHROMIUM" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  command -v apt-get >/dev/null || { echo "install Chromium (or set CHROMIUM to its path) for the docs page test"; exit 1; }; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  echo "installing Debian's chromium for the docs page test"; \
	  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: chromium
