#!/bin/sh
# Builds the release binary: static (no cgo), reproducible paths, version
# stamped. The Dockerfile and the integration tests both call this script,
# so their build flags cannot drift apart.
#   scripts/build.sh OUTPUT [VERSION] [COMMIT]
set -eu
out=${1:?usage: scripts/build.sh OUTPUT [VERSION] [COMMIT]}
version=${2:-${VERSION:-dev}}
commit=${3:-${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo none)}}
cd "$(dirname "$0")/.."
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X main.version=${version} -X main.commit=${commit}" \
  -o "$out" ./cmd/emulator
