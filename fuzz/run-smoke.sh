#!/usr/bin/env bash
# run-smoke.sh BIN CORPUS_DIR [SEED_DIR]: a short libFuzzer run (FUZZ_SECONDS, default 10).
# Missing binary = failure: `make test` builds the fuzz preset before running ctest.
set -euo pipefail
bin=$1; corpus=$2; seeds=${3:-}
if [ ! -x "$bin" ]; then
  echo "fuzz binary $bin not built (run: cmake --preset fuzz && cmake --build build-fuzz)" >&2
  exit 1
fi
mkdir -p "$corpus"
dirs=("$corpus")
if [ -n "$seeds" ] && [ -d "$seeds" ]; then dirs+=("$seeds"); fi
exec "$bin" -max_total_time="${FUZZ_SECONDS:-10}" -rss_limit_mb=2048 -print_final_stats=1 "${dirs[@]}"
