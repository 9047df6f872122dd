#!/usr/bin/env bash
# Builds the Jaeger v2 binary the reference shop traces into, from the wrapper module tools/jaeger
# (its go.mod names github.com/jaegertracing/jaeger/cmd/jaeger as a tool; go.sum pins the graph).
#
#   bash scripts/build-jaeger.sh [--force]
#
# Result: build/jaeger and build/jaeger.stamp. The build is skipped when the binary exists and the
# stamp matches: sha256 of the wrapper's go.mod and go.sum and of this script, plus `go version`.
#
# Environment: GO (go binary, default `go` on PATH), FORCE=1 (same as --force).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

readonly MODULE_DIR="tools/jaeger"
readonly TOOL="github.com/jaegertracing/jaeger/cmd/jaeger"
readonly BINARY="build/jaeger"
readonly STAMP="build/jaeger.stamp"
GO="${GO:-go}"
FORCE="${FORCE:-0}"

for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-jaeger: unknown argument '$arg' (use --force or --help)" >&2; exit 2 ;;
  esac
done

START=$SECONDS
phase() { printf '[build-jaeger %4ds] %s\n' "$((SECONDS - START))" "$*"; }
die() { printf '[build-jaeger %4ds] ERROR: %s\n' "$((SECONDS - START))" "$*" >&2; exit 1; }

GO_PATH="$(command -v "$GO" 2>/dev/null)" || die "Go not found (looked for '$GO' on PATH); install Go >= 1.26 or set GO=/path/to/go"
GO="$GO_PATH"
# Use the Go that is installed; never download another toolchain behind our back.
export GOTOOLCHAIN=local

stamp_content() {
  echo "tool $TOOL"
  echo "go $("$GO" version)"
  for f in "$MODULE_DIR/go.mod" "$MODULE_DIR/go.sum" scripts/build-jaeger.sh; do sha256sum "$f"; done
}
WANT_STAMP="$(stamp_content)"
if [[ "$FORCE" != 1 && -x "$BINARY" && -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$WANT_STAMP" ]]; then
  phase "up to date: $BINARY matches $STAMP (use --force to rebuild); nothing to do"
  exit 0
fi

phase "building $TOOL with $("$GO" version) (GOMODCACHE=$("$GO" env GOMODCACHE))"
mkdir -p build
rm -f "$STAMP"
# The heartbeat's sleep is killed with it, or it would hold a piped stdout open for up to 30 s more.
( trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  while :; do sleep 30 & nap=$!; wait "$nap"; phase "still building..."; done ) &
HEARTBEAT=$!
trap 'kill "$HEARTBEAT" 2>/dev/null || true' EXIT
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
