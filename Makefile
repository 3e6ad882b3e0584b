# The two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
# ccache: share hits between checkouts in different folders (CI clones elsewhere).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
JOBS ?= $(shell nproc)
BUILD_DIR := build
FUZZ_DIR := build-fuzz
ASAN_DIR := build-asan
DEVNET_DIR ?= devnet

.PHONY: all deps build build-fuzz run test test-unit test-asan bench format clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake --preset default

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

$(FUZZ_DIR)/build.ninja:
	cmake --preset fuzz

build-fuzz: deps $(FUZZ_DIR)/build.ninja
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzzers

# Creates a devnet (alpha + beta, dev keys funded) in $(DEVNET_DIR) if missing, then runs the node
# in the foreground on 127.0.0.1:7777. Ctrl-C stops it gracefully.
run: build
	@scripts/devnet.sh $(DEVNET_DIR)

# Every test: unit, integration (real node processes over loopback), fuzz smoke runs.
test: build build-fuzz
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900

test-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

# Every test but the fuzz smoke runs, built with ASan + UBSan (preset asan); integration tests run
# the sanitized klyn74r too. UBSan halts on its first report so UB fails the test (unless the
# caller sets UBSAN_OPTIONS). Not part of `make test`.
test-asan: deps
	cmake --preset asan
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && UBSAN_OPTIONS="$${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}" \
	  ctest --output-on-failure -j $(JOBS) --timeout 900 -LE fuzz

bench: build
	@echo "micro-benchmarks: $(BUILD_DIR)/bin/bench_*; node load: $(BUILD_DIR)/bin/klyn74r bench --help"

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR) $(ASAN_DIR)
