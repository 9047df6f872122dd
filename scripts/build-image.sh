#!/usr/bin/env bash
# Builds the otelcol-shop container image for one environment as an OCI archive, without a daemon:
# buildah with chroot isolation and vfs storage, from the Containerfile at the repository's root.
#
#   bash scripts/build-image.sh --env ENV [--force] [--context-only]
#
# Result: build/otelcol-shop-image.oci.tar (tagged otelcol-shop:ENV inside), its digest and size printed.
# The build context (build/image-context/) holds only what the image needs, made here from this machine:
#   otelcol-shop      the collector, built by scripts/build-collector.sh (the binary `npm run collector:build` makes)
#   healthprobe       collector/healthprobe, static (CGO_ENABLED=0), for HEALTHCHECK: the image has no shell
#   ca-certificates.crt  the bundle of Debian's ca-certificates package on this machine
#   passwd, group     the non-root user otelcol (10001) and nothing else
#   config.yaml       configs/ENV/collector.yaml, as `tracegen build` wrote it
# --context-only stops there, for `docker build -f Containerfile build/image-context`.
# The image is rebuilt only when the stamp (sha256 of everything in the context, the Containerfile, this
# script and the buildah version) changed; --force (or FORCE=1) rebuilds anyway.
#
# buildah needs root here (chroot isolation, vfs storage); its storage is private to this build
# (build/buildah/) so nothing is left in the machine's image store.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

readonly NAME="build-image"
readonly BUILD_DIR="build"
readonly CONTEXT="$BUILD_DIR/image-context"
readonly ARCHIVE="$BUILD_DIR/otelcol-shop-image.oci.tar"
readonly STAMP="$ARCHIVE.stamp"
readonly STORAGE="$BUILD_DIR/buildah"
readonly CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt"
readonly USER_ID=10001
# shellcheck source=lib/go-build.sh
source scripts/lib/go-build.sh

ENV_NAME=""
CONTEXT_ONLY=0
while (($#)); do
  case "$1" in
    --env) (($# >= 2)) || { echo "$NAME: --env needs an environment name" >&2; exit 2; }; ENV_NAME="$2"; shift 2 ;;
    --env=*) ENV_NAME="${1#--env=}"; shift ;;
    --force) FORCE=1; shift ;;
    --context-only) CONTEXT_ONLY=1; shift ;;
    -h|--help) awk 'NR > 1 && /^[^#]/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "$NAME: unknown argument '$1' (use --env ENV, --force, --context-only or --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$ENV_NAME" ]] || { echo "$NAME: --env ENV is required (one of: $(ls configs | xargs))" >&2; exit 2; }
[[ "$ENV_NAME" =~ ^[a-z0-9][a-z0-9-]*$ ]] || { echo "$NAME: '$ENV_NAME' is not an environment name" >&2; exit 2; }
readonly CONFIG="configs/$ENV_NAME/collector.yaml"
[[ -f "$CONFIG" ]] || die "$CONFIG not found: run \`tracegen build --env $ENV_NAME\` first"
[[ -f "$CA_BUNDLE" ]] || die "$CA_BUNDLE not found: install Debian's ca-certificates package"

# --- 1. The binaries ------------------------------------------------------------------------------
phase "collector: scripts/build-collector.sh"
bash scripts/build-collector.sh
require_go 1 26 "the health probe"
phase "health probe: collector/healthprobe"
rm -rf "$CONTEXT.tmp" && mkdir -p "$CONTEXT.tmp"
(cd collector/healthprobe && CGO_ENABLED=0 "$GO" build -trimpath -buildvcs=false -ldflags="-s -w" \
  -o "$ROOT/$CONTEXT.tmp/healthprobe" .) || die "building the health probe failed"

# --- 2. The build context -------------------------------------------------------------------------
cp "$BUILD_DIR/otelcol-shop" "$CONTEXT.tmp/otelcol-shop"
cp "$CA_BUNDLE" "$CONTEXT.tmp/ca-certificates.crt"
cp "$CONFIG" "$CONTEXT.tmp/config.yaml"
printf 'otelcol:x:%d:%d:otelcol-shop:/nonexistent:/sbin/nologin\n' "$USER_ID" "$USER_ID" > "$CONTEXT.tmp/passwd"
printf 'otelcol:x:%d:\n' "$USER_ID" > "$CONTEXT.tmp/group"
# COPY keeps these modes; everything is owned by root, so the collector's user can read but not change it.
chmod 0755 "$CONTEXT.tmp/otelcol-shop" "$CONTEXT.tmp/healthprobe"
chmod 0644 "$CONTEXT.tmp/ca-certificates.crt" "$CONTEXT.tmp/config.yaml" "$CONTEXT.tmp/passwd" "$CONTEXT.tmp/group"
rm -rf "$CONTEXT" && mv "$CONTEXT.tmp" "$CONTEXT"
if ((CONTEXT_ONLY)); then
  phase "build context ready in $CONTEXT: docker build -f Containerfile -t otelcol-shop:$ENV_NAME $CONTEXT"
  exit 0
fi

# --- 3. Up to date? -------------------------------------------------------------------------------
command -v buildah >/dev/null || die "buildah not found: install Debian's buildah package (npm run setup)"
stamp_content() {
  echo "env $ENV_NAME"
  echo "$(buildah --version)"
  (ls "$CONTEXT"/* && printf '%s\n' Containerfile scripts/build-image.sh) | hash_files
}
WANT_STAMP="$(stamp_content)"
describe_archive() {
  awk -v b="$(stat -c %s "$ARCHIVE")" -v d="$(cat "$ARCHIVE.digest")" \
    'BEGIN { printf "digest %s, %.1f MiB (%d bytes)", d, b / 1048576, b }'
}
if [[ "$FORCE" != 1 && -f "$ARCHIVE" && -f "$ARCHIVE.digest" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT_STAMP" ]]; then
  phase "up to date: $ARCHIVE (otelcol-shop:$ENV_NAME) matches $STAMP (use --force to rebuild): $(describe_archive)"
  exit 0
fi

# --- 4. Build and export --------------------------------------------------------------------------
rm -f "$STAMP"
BUILDAH=(buildah --root "$ROOT/$STORAGE/storage" --runroot "$ROOT/$STORAGE/run" --storage-driver vfs)
TAG="localhost/otelcol-shop:$ENV_NAME"
phase "buildah bud -f Containerfile $CONTEXT ($TAG)"
# OCI images have no HEALTHCHECK field: buildah says it ignores the instruction, which only Docker-format
# images keep. The probe binary is in the image either way (README, "Deploy").
"${BUILDAH[@]}" bud --isolation chroot --layers=false --timestamp 0 -f Containerfile -t "$TAG" "$CONTEXT" 2>&1 \
  | while IFS= read -r line; do phase "buildah: $line"; done
((PIPESTATUS[0] == 0)) || die "buildah bud failed; see the messages above"
rm -f "$ARCHIVE.tmp" "$ARCHIVE.digest"
"${BUILDAH[@]}" push --quiet --digestfile "$ARCHIVE.digest" "$TAG" "oci-archive:$ROOT/$ARCHIVE.tmp:otelcol-shop:$ENV_NAME" >/dev/null \
  || die "buildah push to the OCI archive failed"
"${BUILDAH[@]}" rmi --all >/dev/null 2>&1 || true
mv -f "$ARCHIVE.tmp" "$ARCHIVE"
printf '%s\n' "$WANT_STAMP" > "$STAMP"

phase "built $ARCHIVE (otelcol-shop:$ENV_NAME): $(describe_archive), took $((SECONDS - START))s"
