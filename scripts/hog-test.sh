#!/usr/bin/env bash
# hog-test.sh [RUNS]: run the test suite RUNS times in a row (default 3)
# while a CPU hog keeps every core busy, to show that no test depends on
# timing: each one waits for the condition it needs, with a bounded wait.
#
# The hog is one `yes > /dev/null` per core (HOG_PROCS, default nproc),
# started and stopped by this script by PID (also on Ctrl-C or failure).
# The suite is HOG_CMD (default `make unit`: every Go test, with the SDK,
# browser, binary and chroot suites; `HOG_CMD='make test'` adds lint, race
# and fuzz). CI=true by default, so a missing browser or SDK fails instead
# of skipping. Each run's output goes to HOG_LOG_DIR (default
# integration/artifacts/hog/run-N.log); the summary gives each run's result
# and duration. Exit status: 0 when every run passed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
case $runs in
'' | *[!0-9]* | 0)
  echo "usage: $0 [RUNS]   (RUNS: a positive number, default 3)" >&2
  exit 2
  ;;
esac
procs=${HOG_PROCS:-$(nproc)}
cmd=${HOG_CMD:-make unit}
logs=${HOG_LOG_DIR:-integration/artifacts/hog}
export CI=${CI:-true}
mkdir -p "$logs"

hogs=()
stop_hogs() {
  if [ ${#hogs[@]} -gt 0 ]; then
    kill "${hogs[@]}" 2>/dev/null
    wait "${hogs[@]}" 2>/dev/null
    echo "hog: stopped ${hogs[*]}"
    hogs=()
  fi
}
trap stop_hogs EXIT
trap 'stop_hogs; exit 130' INT TERM

for _ in $(seq "$procs"); do
  yes >/dev/null &
  hogs+=($!)
done
echo "hog: ${#hogs[@]} x yes (pids ${hogs[*]}) on $(nproc) cores; $runs run(s) of: $cmd (CI=$CI)"

failed=0
summary=()
for i in $(seq "$runs"); do
  log="$logs/run-$i.log"
  start=$(date +%s)
  echo "--- run $i of $runs ($(date -u +%H:%M:%S) UTC), log $log"
  if bash -c "$cmd" >"$log" 2>&1; then
    result=ok
  else
    result=FAIL
    failed=$((failed + 1))
    grep -E '^(--- FAIL|FAIL|panic:)' "$log" | head -20
  fi
  summary+=("run $i: $result in $(($(date +%s) - start)) s")
  echo "${summary[-1]}"
done

stop_hogs
echo "--- summary ($runs run(s) under $procs hog(s))"
printf '%s\n' "${summary[@]}"
[ "$failed" -eq 0 ]
