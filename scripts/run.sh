#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job. Today that is the design talk's demo:
# lwio reads /etc/hosts through the I/O manager, an IRP to the pvfs driver and io_uring.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
echo "== ./build/bench/lwio cat '\\pvfs\\etc\\hosts' =="
exec ./build/bench/lwio cat '\pvfs\etc\hosts'
