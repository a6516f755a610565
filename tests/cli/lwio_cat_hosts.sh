#!/usr/bin/env bash
# The design talk's demo: lwio cat '\pvfs\etc\hosts' prints /etc/hosts, byte for byte.
set -euo pipefail
lwio=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$lwio" cat '\pvfs\etc\hosts' >"$out"
cmp "$out" /etc/hosts
echo "lwio cat printed /etc/hosts ($(wc -c <"$out") bytes)"
