#!/usr/bin/env bash
# Builds the Jaeger v2 binary the reference shop traces into, from the wrapper module tools/jaeger
# (its go.mod names github.com/jaegertracing/jaeger/cmd/jaeger as a tool; go.sum pins the graph).
#
#   bash scripts/build-jaeger.sh [--force]
#
# Result: build/jaeger and build/jaeger.stamp. The build is skipped when the binary exists and the
# stamp matches: sha256 of the wrapper's go.mod and go.sum and of the build scripts, plus `go version`.
#
# Environment: GO (go binary, default `go` on PATH), FORCE=1 (same as --force).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

readonly MODULE_DIR="tools/jaeger"
readonly TOOL="github.com/jaegertracing/jaeger/cmd/jaeger"
readonly BINARY="build/jaeger"
readonly STAMP="build/jaeger.stamp"
readonly NAME="build-jaeger"
# shellcheck source=lib/go-build.sh
source scripts/lib/go-build.sh
go_build_args "$@"
# The wrapper module (and the Jaeger code it pins) declares go 1.26.
require_go 1 26 "the Jaeger modules pinned in $MODULE_DIR/go.mod"

stamp_content() {
  echo "tool $TOOL"
  echo "go $GO_VERSION_LINE"
  printf '%s\n' "$MODULE_DIR/go.mod" "$MODULE_DIR/go.sum" scripts/build-jaeger.sh scripts/lib/go-build.sh | hash_files
}
WANT_STAMP="$(stamp_content)"
if up_to_date "$BINARY" "$STAMP" "$WANT_STAMP"; then
  phase "up to date: $BINARY matches $STAMP (use --force to rebuild); nothing to do"
  exit 0
fi

phase "building $TOOL with $("$GO" version) (GOMODCACHE=$("$GO" env GOMODCACHE))"
mkdir -p build
rm -f "$STAMP"
start_heartbeat
# `jaeger version` reports what Jaeger's own release build stamps in; here that is the pinned module version.
VERSION="$(cd "$MODULE_DIR" && "$GO" list -m -f '{{.Version}}' github.com/jaegertracing/jaeger)" \
  || die "cannot read the Jaeger version from $MODULE_DIR/go.mod"
# -mod=readonly: the build must use exactly what go.sum pins. -buildvcs=false: the wrapper sits inside
# this repository, whose commit says nothing about Jaeger.
(cd "$MODULE_DIR" && CGO_ENABLED=0 "$GO" build -mod=readonly -buildvcs=false -trimpath \
  -ldflags="-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=$VERSION" \
  -o "$ROOT/$BINARY.tmp" "$TOOL") || die "go build $TOOL failed; see the messages above"
mv -f "$BINARY.tmp" "$BINARY"
printf '%s\n' "$WANT_STAMP" > "$STAMP"
phase "built $BINARY ($(du -h "$BINARY" | cut -f1)) in $((SECONDS - START))s; $("$BINARY" version 2>/dev/null | head -c 200 || true)"
