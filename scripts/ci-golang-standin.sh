#!/bin/sh
# CI-only aid, not part of the build users run: `docker build` pulls the
# Dockerfile's build-stage base image (golang:<GO_VERSION>-bookworm) from
# Docker Hub, but the CI machine reaches no image registry. It is itself
# Debian bookworm with the same Go, so this script makes a local stand-in
# under the exact name the Dockerfile uses, imported into podman's local
# storage, so that the unchanged Dockerfile builds with
#   podman build --pull=never --format docker --network host .
#
# The stand-in holds what the build stage uses and nothing else: /bin/sh,
# coreutils and the C library they need (copied from this machine's own
# Debian packages, file lists from dpkg), the CA bundle (go mod download
# reaches the Go module proxy over HTTPS), and the Go installation at
# /usr/local/go without its tests. Its environment is the official image's
# (GOPATH=/go, GOTOOLCHAIN=local, PATH, WORKDIR /go), so the Dockerfile's
# cache mounts at /go/pkg/mod and /root/.cache/go-build are Go's own
# module and build caches, as with the real image.
#
# Idempotent: an image already made by this recipe from the same Go is kept.
# Podman's own settings (storage driver, runtime) come from its
# configuration; .ci/run points it at .ci/containers.conf.
#   scripts/ci-golang-standin.sh [PODMAN]
set -eu
podman=${1:-podman}
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$self")/.."

# The exact reference the Dockerfile pulls: FROM ... golang:${GO_VERSION}-bookworm
# with the default of its global ARG GO_VERSION.
go_version=$(sed -n 's/^ARG GO_VERSION=\(.*\)$/\1/p' Dockerfile)
from=$(sed -n 's/^FROM .*\(golang:[^ ]*\) AS build$/\1/p' Dockerfile)
[ -n "$go_version" ] && [ -n "$from" ] || { echo "$0: no ARG GO_VERSION / FROM golang:... AS build in Dockerfile" >&2; exit 1; }
ref=docker.io/library/$(printf '%s' "$from" | sed "s/\${GO_VERSION}/$go_version/")

goroot=/usr/local/go
have=$("$goroot/bin/go" env GOVERSION) # e.g. go1.26.8
case "$have" in
go"$go_version" | go"$go_version".*) ;;
*) echo "$0: $goroot is $have; the Dockerfile's build stage wants Go $go_version" >&2; exit 1 ;;
esac

# The stand-in is remade when Go or this recipe changes.
recipe="$have $(sha256sum <"$self" | cut -c1-16)"
if [ "$("$podman" image inspect --format '{{index .Labels "standin.recipe"}}' "$ref" 2>/dev/null)" = "$recipe" ]; then
  echo "$ref: stand-in for $have already present"
  exit 0
fi

"$podman" rmi "$ref" >/dev/null 2>&1 || true # an older stand-in, not left dangling
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# Debian bookworm has merged /usr: /bin, /lib, /lib64 and /sbin are links.
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib64" "$root/usr/lib" \
  "$root/etc/ssl/certs" "$root/tmp" "$root/root" "$root/go/bin" "$root/usr/local"
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
chmod 1777 "$root/tmp"
# The packages behind sh, mkdir and the like, with their library closure
# (dpkg-query -W -f '${Depends}' on each, as of bookworm).
pkgs="base-files dash coreutils libc6 libgcc-s1 libacl1 libattr1 libgmp10 libselinux1 libpcre2-8-0"
# shellcheck disable=SC2086 # word splitting of the list is intended
dpkg-query -L $pkgs | sed -E 's#^/(bin|sbin|lib|lib64)/#/usr/\1/#' | sort -u |
  while read -r f; do
    # Files and links only (directories come with them); skip conffiles the
    # admin removed and paths a diversion moved.
    if [ -L "$f" ] || { [ -e "$f" ] && [ ! -d "$f" ]; }; then printf '%s\n' "${f#/}"; fi
  done | tar -C / --no-recursion -cf - -T - | tar -C "$root" -xf -
ln -sf dash "$root/usr/bin/sh"
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
tar -C /usr/local --exclude=go/test --exclude=testdata --exclude='*_test.go' \
  --exclude=go/api --exclude=go/doc -cf - go | tar -C "$root/usr/local" -xf -

tar -C "$root" -cf - . | "$podman" import --quiet \
  --change 'ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV GOLANG_VERSION='"${have#go}" \
  --change 'ENV GOTOOLCHAIN=local' \
  --change 'ENV GOPATH=/go' \
  --change 'WORKDIR /go' \
  --change 'LABEL standin.recipe='"\"$recipe\"" \
  --change 'LABEL standin.note="CI-only stand-in made by scripts/ci-golang-standin.sh"' \
  - "$ref" >/dev/null
echo "$ref: stand-in for $have imported"
