#!/bin/sh
# Runs every Fuzz* target of the module for a bounded time each (CI and
# `make fuzz`). The seed corpora also run as plain tests in `go test ./...`;
# this script explores beyond them.
#   FUZZTIME=20s sh scripts/fuzz.sh [PACKAGE...]
# FUZZTIME is a go test -fuzztime value (default 20s). FUZZMINIMIZETIME
# (default 5s) bounds the minimisation of each new input: go test's default,
# 60s, would eat the whole budget of a target. Without arguments
# every package of the module is searched for targets. A failing input is
# written under the package's testdata/fuzz/ by go test; the script stops
# at the first failure and exits non-zero.
set -eu
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-20s}
minimize=${FUZZMINIMIZETIME:-5s}
if [ $# -eq 0 ]; then
  set -- $(go list ./...)
fi

total=0
for pkg in "$@"; do
  # `go test -list` prints the matching names, then "ok <pkg> <time>".
  targets=$(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
  for target in $targets; do
    total=$((total + 1))
    echo "== $pkg $target ($fuzztime)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" "$pkg"
  done
done
if [ "$total" -eq 0 ]; then
  echo "fuzz.sh: no Fuzz targets found" >&2
  exit 1
fi
echo "fuzz.sh: $total targets, $fuzztime each: ok"
