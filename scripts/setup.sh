#!/usr/bin/env bash
# Everything the test suite needs beyond `npm ci`, on a fresh Debian machine with Node.js 20 and Go:
#   - Debian packages: openssl (throwaway certificates; s_client against the trace gateway), prometheus
#     (promtool and the flow-health e2e), rabbitmq-server and postgresql (the reference shop; its psql
#     client checks the audit log's privileges), chromium (the store page e2e), buildah, iproute2 and curl
#     (the image smoke test: buildah builds and runs the image without a daemon, in a network namespace of
#     its own, probed with curl; curl is also a client of the trace gateway's TLS test);
#   - build/otelcol-shop, the collector distribution (scripts/build-collector.sh);
#   - build/jaeger, the trace store of the reference shop (scripts/build-jaeger.sh);
#   - build/tools/telemetrygen, contrib's OTLP load generator, for the pipeline bench and its test
#     (scripts/build-telemetrygen.sh);
#   - build/otelcol-shop-image.oci.tar, the collector image with the prod config (scripts/build-image.sh).
# The builds are skipped when their stamps say nothing changed.
#
#   npm run setup        (as root, or with sudo available, for the packages; the image smoke test needs root:
#                         buildah's chroot isolation and vfs storage, network namespaces, chown to the image's user)
set -euo pipefail
cd "$(dirname "$0")/.."

readonly PACKAGES=(openssl ca-certificates prometheus rabbitmq-server postgresql chromium buildah iproute2 curl)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
bash scripts/build-collector.sh
bash scripts/build-jaeger.sh
bash scripts/build-telemetrygen.sh
bash scripts/build-image.sh --env prod
