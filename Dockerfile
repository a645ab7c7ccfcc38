# syntax=docker/dockerfile:1
#
# faceid-emulator: a local stand-in for Tencent Cloud's eKYC web flow
# (faceid 2018-03-01), meant to run as a CI service container.
#
#   docker build -t faceid-emulator \
#     --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse --short HEAD) .
#   docker run --rm -p 8780:8780 faceid-emulator
#
# The image holds one static binary and nothing else (no shell, no libc, no
# CA bundle, no /tmp), running as uid/gid 65532. integration/ship_test.go
# runs that exact binary as uid 65532 in an empty root directory, so the
# image layout is tested even where no Docker engine is available.
#
# Configure the container with environment variables (-e EMULATOR_*), not
# with flags after the image name: every flag has an EMULATOR_* variable
# ("docker run --rm IMAGE --help" lists them), and the HEALTHCHECK reads the
# environment, not the server's command line. The ones that matter most in
# containers:
#
#   EMULATOR_ADDR        listen address; the image sets :8780 (the healthcheck
#                        reads the same variable, so changing it is safe)
#   EMULATOR_PUBLIC_URL  the base URL a *browser* uses to reach the emulator,
#                        when it differs from the address the SDK calls, e.g.
#                        app -> http://faceid:8780, browser -> http://localhost:8780:
#                        -e EMULATOR_PUBLIC_URL=http://localhost:8780
#   EMULATOR_CREDENTIALS SecretId:SecretKey[:Token],... (unset = the documented
#                        default pair printed at start-up)
#
# User scenarios: the scenario library is embedded in the binary. To add
# your own, mount a file or directory at /scenarios and point
# EMULATOR_SCENARIOS at it (left unset by default, so nothing is required):
#
#   docker run --rm -p 8780:8780 \
#     -e EMULATOR_SCENARIOS=/scenarios -v ./scenarios:/scenarios:ro \
#     ghcr.io/faceid-emulator/faceid-emulator:latest
#
# Files there are reloaded when they change (EMULATOR_RELOAD_INTERVAL).
# Check them first with: docker run --rm -v ./scenarios:/scenarios:ro IMAGE validate /scenarios
#
# Sessions are kept in memory. To keep them across restarts, use the empty
# directory /data (owned by 65532): -e EMULATOR_DATA_DIR=/data -v faceid-data:/data

ARG GO_VERSION=1.26

# ---- build -----------------------------------------------------------------
# Runs on the build machine's platform and cross-compiles (no cgo), so a
# multi-platform build (docker buildx build --platform linux/amd64,linux/arm64)
# needs no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
ARG COMMIT=none
# scripts/build.sh is the only place the release build flags are written
# down (CGO_ENABLED=0, -trimpath, -ldflags "-s -w -X main.version -X
# main.commit"); integration/ship_test.go builds with it too.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH \
    sh scripts/build.sh /out/emulator "$VERSION" "$COMMIT" \
 && mkdir -p /out/data

# ---- runtime ---------------------------------------------------------------
FROM scratch
ARG VERSION=dev
ARG COMMIT=none
LABEL org.opencontainers.image.title="faceid-emulator" \
      org.opencontainers.image.description="Local emulator of Tencent Cloud eKYC web verification (faceid 2018-03-01) for CI and development" \
      org.opencontainers.image.source="https://github.com/faceid-emulator/faceid-emulator" \
      org.opencontainers.image.url="https://github.com/faceid-emulator/faceid-emulator" \
      org.opencontainers.image.documentation="https://github.com/faceid-emulator/faceid-emulator#readme" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$COMMIT"
COPY --from=build /out/emulator /emulator
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV EMULATOR_ADDR=:8780
EXPOSE 8780
# Exec form: there is no shell in the image. The command reads
# EMULATOR_ADDR like the server and exits 0 (healthy) or 1 within 2 s.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 \
    CMD ["/emulator", "healthcheck"]
ENTRYPOINT ["/emulator"]
CMD ["serve"]
