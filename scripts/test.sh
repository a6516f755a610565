#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test twice — in the
# normal build and in the AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

echo "== build (RelWithDebInfo) =="
bash scripts/build.sh build
echo "== tests (RelWithDebInfo) =="
(cd build && ctest --output-on-failure -j 2 --timeout 300)

echo "== build (address + undefined sanitizers) =="
bash scripts/build.sh build-asan -DLWSMB_SANITIZE=ON -DLWSMB_BUILD_BENCH=ON
echo "== tests (sanitizers) =="
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j 2 --timeout 600)
