#!/usr/bin/env bash
# Builds the otelcol-shop collector distribution from collector-builder.yaml with the OpenTelemetry
# Collector Builder (OCB). One source of truth: `npm run collector:build`, CI and the Dockerfile all run
# this script.
#
#   bash scripts/build-collector.sh [--force]
#   MANIFEST=bench/collector-stock.yaml bash scripts/build-collector.sh     (another manifest)
#
# Result: build/<dist.name> (static, CGO_ENABLED=0, -trimpath, stripped) and build/<dist.name>.stamp;
# build/otelcol-shop for the default manifest, collector-builder.yaml. The build is skipped when the
# binary exists and the stamp matches: sha256 of the manifest, of the in-house module sources (the
# manifest's `path:` entries) and of the build scripts, plus `go version` and the builder version.
#
# Caching: the normal Go module cache (GOMODCACHE) and build cache (GOCACHE) are used, so CI can cache
# `go env GOMODCACHE` and `go env GOCACHE` keyed by the manifest hash. The builder is installed into
# build/tools (GOBIN), not into the user's Go bin directory.
#
# Environment: GO (go binary, default `go` on PATH), FORCE=1 (same as --force), MANIFEST (default
# collector-builder.yaml).
set -euo pipefail

# Versions: keep BUILDER_VERSION equal to the core release pinned in collector-builder.yaml.
readonly BUILDER_VERSION="v0.161.0"
readonly BUILDER_MODULE="go.opentelemetry.io/collector/cmd/builder"
# The pinned collector modules declare `go 1.26.0` in their go.mod files.
readonly GO_MIN_MAJOR=1 GO_MIN_MINOR=26

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" # OCB resolves output_path and path: against the working directory

readonly MANIFEST="${MANIFEST:-collector-builder.yaml}"
[[ -f "$MANIFEST" ]] || { echo "build-collector: $MANIFEST not found in $ROOT" >&2; exit 1; }
# The manifest names the distribution and lists the in-house modules (`path: ./dir`), so it stays the
# one source of truth for what is built.
mapfile -t INHOUSE_DIRS < <(awk '$1 == "path:" { sub(/^\.\//, "", $2); print $2 }' "$MANIFEST")
readonly BUILD_DIR="build"
readonly TOOLS_DIR="$BUILD_DIR/tools"
DIST_NAME="$(awk '$1 == "name:" { print $2; exit }' "$MANIFEST")"
readonly DIST_NAME
readonly BINARY="$BUILD_DIR/$DIST_NAME"
readonly STAMP="$BUILD_DIR/$DIST_NAME.stamp"
readonly NAME="build-collector"
# shellcheck source=lib/go-build.sh
source scripts/lib/go-build.sh
go_build_args "$@"

# --- 1. Go present and new enough ---------------------------------------------------------------
phase "checking Go"
require_go "$GO_MIN_MAJOR" "$GO_MIN_MINOR" "the collector modules pinned in $MANIFEST"
phase "using $GO_VERSION_LINE"

# --- 2. Up to date? -------------------------------------------------------------------------------
stamp_content() {
  echo "builder $BUILDER_MODULE@$BUILDER_VERSION"
  echo "go $GO_VERSION_LINE"
  printf '%s\n' "$MANIFEST" scripts/build-collector.sh scripts/lib/go-build.sh | hash_files
  for d in ${INHOUSE_DIRS[@]+"${INHOUSE_DIRS[@]}"}; do
    # Sources that end up in the binary; tests and docs do not.
    find "$d" -type f \( -name '*.go' ! -name '*_test.go' -o -name go.mod -o -name go.sum \) | hash_files
  done
}
WANT_STAMP="$(stamp_content)"
if up_to_date "$BINARY" "$STAMP" "$WANT_STAMP"; then
  phase "up to date: $BINARY matches $STAMP (use --force to rebuild); nothing to do"
  exit 0
fi

# --- 3. The builder, pinned, project-local -------------------------------------------------------
mkdir -p "$TOOLS_DIR"
BUILDER="$ROOT/$TOOLS_DIR/builder"
builder_version() { "$GO" version -m "$BUILDER" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'; }
if [[ -x "$BUILDER" && "$(builder_version)" == "$BUILDER_VERSION" ]]; then
  phase "builder $BUILDER_VERSION already in $TOOLS_DIR"
else
  phase "installing $BUILDER_MODULE@$BUILDER_VERSION into $TOOLS_DIR"
  GOBIN="$ROOT/$TOOLS_DIR" CGO_ENABLED=0 "$GO" install -trimpath "$BUILDER_MODULE@$BUILDER_VERSION" \
    || die "installing the builder failed (is the Go module proxy reachable? GOPROXY=$("$GO" env GOPROXY))"
  [[ "$(builder_version)" == "$BUILDER_VERSION" ]] || die "installed builder reports '$(builder_version)', expected $BUILDER_VERSION"
fi

# --- 4. Generate, fetch modules, compile ----------------------------------------------------------
phase "building $DIST_NAME from $MANIFEST (GOMODCACHE=$("$GO" env GOMODCACHE))"
rm -f "$STAMP"
export CGO_ENABLED=0
# -buildvcs=false: the generated module sits inside this git repository; VCS stamping would make the
# binary depend on the commit and on uncommitted changes elsewhere in the repo.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"

# A heartbeat, so CI logs show the (long, silent) compile is alive.
start_heartbeat

BUILD_START=$SECONDS
# The builder logs with zap to stderr; keep the message, prefix it with the elapsed time.
# --skip-strict-versioning=false: fail if `go mod tidy` moved any module away from the pinned release.
# --ldflags: OCB always adds -trimpath; -s -w strip symbols and DWARF (smaller, reproducible).
set +e
"$BUILDER" --config="$MANIFEST" --skip-strict-versioning=false --ldflags="-s -w" 2>&1 \
  | while IFS= read -r line; do
      msg="$(printf '%s' "$line" | awk -F'\t' 'NF >= 4 { print $4 ($5 ? " " $5 : ""); next } { print }')"
      phase "ocb: $msg"
    done
rc=${PIPESTATUS[0]}
set -e
kill "$HEARTBEAT" 2>/dev/null || true
(( rc == 0 )) || die "the builder failed (exit $rc); see the messages above"

OUT_DIR="$(awk '/^[[:space:]]*output_path:/ { print $2; exit }' "$MANIFEST")"
BUILT="$OUT_DIR/$DIST_NAME"
[[ -x "$BUILT" ]] || die "the builder reported success but $BUILT is missing"
cp "$BUILT" "$BINARY.tmp" && mv -f "$BINARY.tmp" "$BINARY"
printf '%s\n' "$WANT_STAMP" > "$STAMP"

SIZE_BYTES=$(stat -c %s "$BINARY")
phase "built $BINARY: $(awk -v b="$SIZE_BYTES" 'BEGIN { printf "%.1f MiB (%d bytes)", b / 1048576, b }'), build took $((SECONDS - BUILD_START))s, total $((SECONDS - START))s"
phase "version: $("$BINARY" --version 2>&1 | head -n1)"
