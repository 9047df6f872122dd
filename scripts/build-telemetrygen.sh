#!/usr/bin/env bash
# Installs contrib's telemetrygen, the outside OTLP load generator of `npm run bench:pipeline`, into
# build/tools, pinned to the contrib release of collector-builder.yaml, like the builder in
# build-collector.sh.
#
#   bash scripts/build-telemetrygen.sh [--force]
#
# Skipped when build/tools/telemetrygen already reports the pinned version.
set -euo pipefail

readonly TELEMETRYGEN_VERSION="v0.161.0"
readonly TELEMETRYGEN_MODULE="github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
readonly TOOLS_DIR="build/tools"
readonly NAME="build-telemetrygen"
# shellcheck source=lib/go-build.sh
source scripts/lib/go-build.sh
go_build_args "$@"

require_go 1 26 "telemetrygen $TELEMETRYGEN_VERSION"
BINARY="$ROOT/$TOOLS_DIR/telemetrygen"
installed_version() { "$GO" version -m "$BINARY" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'; }
if [[ "$FORCE" != 1 && -x "$BINARY" && "$(installed_version)" == "$TELEMETRYGEN_VERSION" ]]; then
  phase "telemetrygen $TELEMETRYGEN_VERSION already in $TOOLS_DIR"
  exit 0
fi
mkdir -p "$TOOLS_DIR"
phase "installing $TELEMETRYGEN_MODULE@$TELEMETRYGEN_VERSION into $TOOLS_DIR"
GOBIN="$ROOT/$TOOLS_DIR" CGO_ENABLED=0 "$GO" install -trimpath "$TELEMETRYGEN_MODULE@$TELEMETRYGEN_VERSION" \
  || die "installing telemetrygen failed (is the Go module proxy reachable? GOPROXY=$("$GO" env GOPROXY))"
[[ "$(installed_version)" == "$TELEMETRYGEN_VERSION" ]] || die "installed telemetrygen reports '$(installed_version)', expected $TELEMETRYGEN_VERSION"
phase "installed $TOOLS_DIR/telemetrygen"
