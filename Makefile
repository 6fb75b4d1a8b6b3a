# Nabla: `make run` builds and starts the REPL, `make test` runs every test.
# Both first install the Debian packages Nabla needs (only those missing).

PACKAGES := libedit-dev libncurses-dev libopenblas-dev tmux pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift

.PHONY: run test deps build release bench clean verify-sessions fuzz

deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product nabla

run: release
	@$$($(SWIFT) build -c release --show-bin-path)/nabla

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel
	$(MAKE) verify-sessions

# Every session file must reproduce its recorded outputs.
verify-sessions:
	$$($(SWIFT) build --show-bin-path)/nabla run --verify sessions/*.nabla

# Fuzz the whole entry pipeline with libFuzzer and AddressSanitizer for FUZZ_SECONDS
# (default 60); findings land in .build-fuzz/artifacts (scripts/fuzz explains the rest).
fuzz: deps
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} scripts/fuzz

bench: deps
	$(SWIFT) run -c release NablaBenchmarks

clean:
	rm -rf .build
