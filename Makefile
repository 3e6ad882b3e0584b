# The two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD_DIR := build
FUZZ_DIR := build-fuzz
DEVNET_DIR ?= devnet

.PHONY: all deps build build-fuzz run test test-unit bench format clean

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

bench: build
	@echo "micro-benchmarks: $(BUILD_DIR)/bin/bench_*; node load: $(BUILD_DIR)/bin/klyn74r bench --help"

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR) build-asan
