# postier — build, run, test, bench.
# `make run` and `make test` do their own set-up (see README.md).

CARGO ?= cargo
# Build cache outside the clone, so a fresh clone can reuse it; a cold
# cache works too, only slower.
CARGO_TARGET_DIR ?= $(HOME)/.cache/postier/target
export CARGO_TARGET_DIR
DEMO_DIR ?= $(CARGO_TARGET_DIR)/demo
# Fuzz builds (sanitizers, nightly) in their own cache, one per sanitizer
# (address by default, or none: about twice as fast; see docs/fuzzing.md).
FUZZ_SANITIZER ?= address
FUZZ_TARGET_DIR ?= $(HOME)/.cache/postier/fuzz-target$(if $(filter address,$(FUZZ_SANITIZER)),,-$(FUZZ_SANITIZER))
POSTIER = $(CARGO_TARGET_DIR)/debug/postier

.PHONY: all build run demo test test-package lint bench services clean-demo check-toolchain man deb fuzz

all: build

check-toolchain:
	@command -v $(CARGO) >/dev/null || { echo "cargo is missing: install Rust 1.95 or newer (rustup), then run make again" >&2; exit 1; }

build: check-toolchain
	$(CARGO) build --locked

# The TUI on the embedded SQLite default, against a demo directory seeded
# from fixtures/demo/ and labelled DEMO in the header. `make run ARGS="domain
# list"` runs a command on the demo directory instead.
run: build
	@POSTIER=$(POSTIER) fixtures/demo/seed.sh "$(DEMO_DIR)"
	POSTIER_CONFIG="$(DEMO_DIR)/postier.toml" $(POSTIER) $(or $(ARGS),tui --banner DEMO)

# Installs the test services (apt, idempotent), starts PostgreSQL and
# MariaDB on loopback, runs every test, stops the servers.
test: check-toolchain
	tests/services/install.sh
	tests/services/with-services.sh $(CARGO) test --locked --lib --bins --tests
	$(MAKE) test-package

# The Debian package as an admin installs it: lintian, systemd-analyze
# verify, and dpkg install/remove/purge in a throwaway Debian root.
test-package: deb
	tests/package/check.sh $(CARGO_TARGET_DIR)/debian/postier_*.deb

# Man pages for postier and every subcommand, from the clap definitions.
MAN_DIR ?= $(CARGO_TARGET_DIR)/man
man: build
	$(POSTIER) man --out "$(MAN_DIR)"

# The Debian package (cargo-deb): the release binary, its man pages and
# shell completions, the config as a conffile, the systemd units.
# DEB_MAINTAINER="Name <address>" names who answers for the packages you
# hand out (the default is a placeholder under the reserved .example).
RELEASE = $(CARGO_TARGET_DIR)/release
deb: check-toolchain
	command -v cargo-deb >/dev/null || $(CARGO) install cargo-deb --locked
	$(CARGO) build --release --locked
	rm -rf "$(RELEASE)/man" "$(RELEASE)/completions"
	mkdir -p "$(RELEASE)/completions"
	$(RELEASE)/postier man --out "$(RELEASE)/man" >/dev/null
	gzip -9n "$(RELEASE)"/man/*.1
	$(RELEASE)/postier completions bash > "$(RELEASE)/completions/postier"
	$(RELEASE)/postier completions zsh > "$(RELEASE)/completions/_postier"
	$(RELEASE)/postier completions fish > "$(RELEASE)/completions/postier.fish"
	rm -f "$(CARGO_TARGET_DIR)"/debian/postier_*.deb
	$(CARGO) deb --no-build --locked $(if $(DEB_MAINTAINER),--maintainer "$(DEB_MAINTAINER)")

lint: check-toolchain
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

bench: check-toolchain
	tests/services/install.sh
	tests/services/install-peers.sh
	tests/services/with-services.sh $(CARGO) bench --locked

# Fuzzes every parser of outside input for FUZZ_SECONDS each (cargo-fuzz
# on a nightly toolchain; see docs/fuzzing.md). Stops at the first crash,
# timeout or out-of-memory. Not part of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= address size spf dmarc dkim postier_yaml yaml_readers_agree postier_csv modoboa_csv dms config hook_event

fuzz:
	@command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked (and rustup toolchain install nightly)" >&2; exit 1; }
	@for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t ($(FUZZ_SECONDS)s)"; \
	  CARGO_TARGET_DIR=$(FUZZ_TARGET_DIR) FUZZ_SANITIZER=$(FUZZ_SANITIZER) fuzz/run.sh $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; \
	done

clean-demo:
	rm -rf "$(DEMO_DIR)"
