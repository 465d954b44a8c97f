# hookwatch — see README.md. Every target installs what it needs when missing.
SHELL := /bin/bash
GO    ?= go
BIN   := bin
PREFIX  ?= /usr/local
DESTDIR ?=

# Fyne logs a locale error under C.UTF-8.
export LANG := en_US.UTF-8

GIT_DESC := $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null)
GIT_SHA  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
VERSION  ?= $(if $(GIT_DESC),$(patsubst v%,%,$(GIT_DESC)),0.0.0-dev+$(GIT_SHA))
LDFLAGS  := -s -w -X main.version=$(VERSION)
# TEST_BUILD: how test and bench binaries are compiled. Without a profile:
# cmd/hookwatch's default.pgo would otherwise rebuild every dependency a
# second time for its tests, and would also speed up the bench's baseline
# loop and receiver, which stand for a plain Go program. The end-to-end
# tests and benchmarks still run the shipped, profile-guided binary.
TEST_BUILD := -pgo=off

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT  := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends
GUI_PKGS := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev

.PHONY: docs package-check fuzz demo-headless all run run-headless build build-headless test test-faults bench pgo lint deps deps-gui deps-clickhouse deps-xvfb demo screenshots package install clean

all: build

## deps: install Fyne's cgo packages and clickhouse-server when missing (Debian).
deps: deps-gui deps-clickhouse

deps-gui:
	@if ! pkg-config --exists gl x11 xcursor xrandr xinerama xi xxf86vm 2>/dev/null || ! command -v gcc >/dev/null; then \
	  echo "installing Fyne build packages: $(GUI_PKGS)"; \
	  $(SUDO) apt-get update -qq && $(APT) $(GUI_PKGS); \
	fi

deps-clickhouse:
	@if ! command -v clickhouse-server >/dev/null && [ ! -x /usr/sbin/clickhouse-server ]; then \
	  echo "installing clickhouse-server"; \
	  $(SUDO) apt-get update -qq; \
	  $(APT) clickhouse-server || { sleep 2; $(APT) clickhouse-server; }; \
	fi

deps-xvfb:
	@command -v xvfb-run >/dev/null && command -v xauth >/dev/null && command -v import >/dev/null || { $(SUDO) apt-get update -qq && $(APT) xvfb imagemagick xauth; }

## build: the desktop binary (cgo, Fyne).
build: deps-gui
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/hookwatch ./cmd/hookwatch

## build-headless: the pure-Go binary without the window.
build-headless:
	CGO_ENABLED=0 $(GO) build -trimpath -tags nogui -ldflags '$(LDFLAGS)' -o $(BIN)/hookwatch-headless ./cmd/hookwatch

## run: open the window (the engine runs inside it).
run: build
	$(BIN)/hookwatch

## run-headless: the engine with no window, on the default database.
run-headless: build-headless
	$(BIN)/hookwatch-headless --headless

## test: gofmt, the no-cgo headless build, and every test with -race and all
## vet checks against a real ClickHouse. The end-to-end tests run that headless
## binary. (make lint adds staticcheck and vets packages without tests.)
test: deps build-headless
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	@# -vet=all runs every vet check on the race build's own compile, instead of
	@# compiling the whole tree a second time for a separate `go vet`.
	PATH="$$PATH:/usr/sbin" HOOKWATCH_BIN=$(abspath $(BIN)/hookwatch-headless) $(GO) test -race -vet=all $(TEST_BUILD) -count=1 -timeout 30m ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=10000x

## fuzz: run every fuzz target (seed corpus, then FUZZTIME new inputs) one at a time.
## FUZZTIME is a count of executions, not a duration: Go 1.26's fuzzing
## coordinator can report a bare "context deadline exceeded" failure when a
## -fuzztime duration runs out with a worker mid-input (golang/go#75804, fixed
## in Go 1.27), which failed a CI run of this tree with no input found. A count
## has no deadline to race.
FUZZTIME ?= 100000x
fuzz:
	@set -e; for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for target in $$($(GO) test -list '^Fuzz' $$dir | grep '^Fuzz'); do \
	    echo "== $$dir $$target ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$dir; \
	  done; \
	done

## test-faults: the fault suite alone.
test-faults: deps build-headless
	PATH="$$PATH:/usr/sbin" HOOKWATCH_BIN=$(abspath $(BIN)/hookwatch-headless) $(GO) test -race $(TEST_BUILD) -count=1 -timeout 20m -run 'Fault' ./...

## bench: every benchmark beside its same-run baseline, and the poll of the
## commit before revisable goal buckets over the same data (.ci/pollbefore);
## keeps the output of the last three runs in docs/bench-runs and writes
## docs/benchmarks.md from them.
BENCH_RUNS := docs/bench-runs
bench: deps-clickhouse build-headless
	mkdir -p $(BIN) docs $(BENCH_RUNS)
	{ echo "bench-env: loadavg_start=$$(cut -d' ' -f1-3 /proc/loadavg)"; \
	  echo "bench-env: started=$$(date -u '+%Y-%m-%d %H:%M:%S UTC')"; \
	  echo "bench-env: kernel=$$(uname -sr)"; \
	  HOOKWATCH_BIN=$(abspath $(BIN)/hookwatch-headless) PATH="$$PATH:/usr/sbin" \
	  $(GO) test -tags nogui $(TEST_BUILD) -run '^$$' -bench . -benchtime 1x -timeout 60m ./core/... ./storage/... ./cmd/... 2>&1; \
	  code=$$?; GO=$(GO) sh .ci/pollbefore/run 2>&1 || code=1; \
	  echo "bench-exit: $$code"; echo "bench-env: loadavg_end=$$(cut -d' ' -f1-3 /proc/loadavg)"; } | tee $(BIN)/bench.out
	cp $(BIN)/bench.out $(BENCH_RUNS)/$$(date -u '+%Y%m%dT%H%M%SZ').out
	ls -1 $(BENCH_RUNS)/*.out | head -n -3 | xargs -r rm --
	$(GO) run ./.ci/benchreport -notes .ci/benchreport/analysis.md $(BENCH_RUNS)/*.out > docs/benchmarks.md
	@! grep -q '^bench-exit: [1-9]' $(BIN)/bench.out

## pgo: regenerate cmd/hookwatch/default.pgo, the CPU profile that every
## `go build ./cmd/hookwatch` uses for profile-guided optimization: three
## BenchmarkMemory runs (each three drains of 20,000 deliveries at 1,000 sites,
## and its polls) of a binary built without a profile, merged.
pgo: deps-clickhouse
	mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -tags nogui -pgo=off -o $(BIN)/hookwatch-noprofile ./cmd/hookwatch
	for i in 1 2 3; do \
	  HOOKWATCH_BIN=$(abspath $(BIN)/hookwatch-noprofile) HOOKWATCH_BENCH_CPUPROFILE=$(abspath $(BIN))/pgo$$i.prof PATH="$$PATH:/usr/sbin" \
	    $(GO) test -tags nogui $(TEST_BUILD) -run '^$$' -bench '^BenchmarkMemory$$' -benchtime 1x -timeout 15m ./cmd/hookwatch || exit 1; \
	done
	$(GO) tool pprof -proto $(BIN)/pgo1.prof $(BIN)/pgo2.prof $(BIN)/pgo3.prof > cmd/hookwatch/default.pgo

## lint: gofmt, vet and staticcheck.
lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...
	$(GO) vet -tags nogui ./cmd/...
	$(GO) tool staticcheck ./...

## demo: a private ClickHouse with synthetic traffic, a printing receiver, and the window on a demo database.
demo: deps build
	PATH="$$PATH:/usr/sbin" $(GO) run ./cmd/hookwatch-demo --hookwatch $(BIN)/hookwatch

## demo-headless: the same demo with hookwatch --headless, for machines without a display.
demo-headless: deps-clickhouse build-headless
	PATH="$$PATH:/usr/sbin" $(GO) run ./cmd/hookwatch-demo --headless --hookwatch $(BIN)/hookwatch-headless

## docs: rewrite README.md's command list from the cobra commands (TestReadmeCommands checks it).
docs:
	$(GO) generate ./cmd/hookwatch

## package: the Linux desktop archive, headless binaries for four platforms, man pages, SHA256SUMS.
APP_VERSION := $(shell echo '$(VERSION)' | sed 's/[-+].*//')
HEADLESS_TARGETS := linux/amd64 linux/arm64 darwin/arm64 windows/amd64
package: build
	rm -rf dist && mkdir -p dist
	$(GO) build -o $(BIN)/fyne fyne.io/fyne/v2/cmd/fyne
	@# fyne package bumps the build number in the FyneApp.toml it reads, so it reads a copy.
	tmp=$$(mktemp -d) && cp -r FyneApp.toml assets $$tmp/ && cp $(BIN)/hookwatch $$tmp/hookwatch && \
	  (cd $$tmp && $(abspath $(BIN))/fyne package -os linux -name hookwatch -exe hookwatch \
	     -appID io.github.hookwatch -appVersion $(APP_VERSION) -icon assets/icon.png -release) && \
	  mv $$tmp/hookwatch.tar.xz dist/hookwatch-$(VERSION)-linux-amd64-desktop.tar.xz && rm -rf $$tmp
	for t in $(HEADLESS_TARGETS); do \
	  os=$${t%/*}; arch=$${t#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -tags nogui -ldflags '$(LDFLAGS)' \
	    -o dist/hookwatch-headless-$(VERSION)-$$os-$$arch$$ext ./cmd/hookwatch || exit 1; \
	done
	@# One man page per command, from the same cobra definitions as --help.
	$(GO) run -tags gendoc,nogui ./cmd/hookwatch gendoc man dist/man
	tar -C dist -czf dist/hookwatch-$(VERSION)-man.tar.gz man
	cd dist && sha256sum $$(find . -maxdepth 1 -type f -printf '%P\n' | sort) > SHA256SUMS && cat SHA256SUMS

## package-check: verify what make package produced (static, runs, installs into DESTDIR).
package-check: package
	.ci/package-check

## install: the desktop binary, its icon and desktop entry under $(DESTDIR)$(PREFIX).
install: build
	install -Dm0755 $(BIN)/hookwatch $(DESTDIR)$(PREFIX)/bin/hookwatch
	install -Dm0644 assets/icon.png $(DESTDIR)$(PREFIX)/share/pixmaps/hookwatch.png
	install -Dm0644 assets/hookwatch.desktop $(DESTDIR)$(PREFIX)/share/applications/hookwatch.desktop
	install -Dm0644 assets/hookwatch.service $(DESTDIR)$(PREFIX)/lib/systemd/system/hookwatch.service

clean:
	rm -rf $(BIN) dist

## screenshots: the demo's window, every screen captured under Xvfb into docs/screenshots.
screenshots: deps deps-xvfb build
	PATH="$$PATH:/usr/sbin" xvfb-run -a -s '-screen 0 1280x800x24' $(GO) run ./cmd/hookwatch-demo --hookwatch $(BIN)/hookwatch --screenshots docs/screenshots
