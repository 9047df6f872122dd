# syntax=docker/dockerfile:1
#
# otelcol-shop: the OpenTelemetry Collector distribution from collector-builder.yaml.
#
#   docker build -t otelcol-shop .                                   # bakes configs/prod/collector.yaml
#   docker build --build-arg CONFIG=configs/staging/collector.yaml -t otelcol-shop:staging .
#   docker run -v "$PWD/my.yaml:/etc/otelcol-shop/config.yaml:ro" -e TRACEGEN_PSEUDONYM_KEY=... otelcol-shop
#
# Secrets never go into the image: generated configs refer to ${env:VAR} and to mounted files only.

# Go minor must satisfy the pinned collector modules (`go 1.26.0` in their go.mod files); the script
# refuses anything older. Pin a digest here for fully reproducible images.
ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

# ---------------------------------------------------------------------------------------------------
FROM ${GO_IMAGE} AS build
WORKDIR /src
# Only what the build needs, so edits to the TypeScript side do not invalidate this stage.
COPY collector-builder.yaml ./
COPY scripts/build-collector.sh scripts/
COPY scripts/lib/go-build.sh scripts/lib/
COPY collector/ collector/
# The SAME script as `npm run collector:build` (one source of truth): pinned builder, CGO_ENABLED=0,
# -trimpath, stripped. The cache mounts keep GOMODCACHE and GOCACHE across image builds.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    bash scripts/build-collector.sh
# HEALTHCHECK helper: the runtime image has no shell and no curl/wget, and the collector binary cannot
# probe its own health_check endpoint, so a tiny static Go program does the HTTP GET and maps the
# answer to exit 0/1 (see collector/healthprobe/main.go). It has no dependencies beyond the stdlib.
RUN --mount=type=cache,target=/root/.cache/go-build \
    cd collector/healthprobe \
 && go test ./... \
 && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/healthprobe .

# ---------------------------------------------------------------------------------------------------
# distroless static: CA certificates (TLS to Jaeger, OIDC issuers), tzdata, /etc/passwd with the
# nonroot user (65532); no shell, no package manager.
FROM ${RUNTIME_IMAGE}
# A generated config (`tracegen build --env <name>`), baked in as the default; mount another file over
# /etc/otelcol-shop/config.yaml at run time to replace it.
ARG CONFIG=configs/prod/collector.yaml
COPY --from=build /src/build/otelcol-shop /otelcol-shop
COPY --from=build /out/healthprobe /healthprobe
COPY --chmod=0444 ${CONFIG} /etc/otelcol-shop/config.yaml
USER 65532:65532
# 4317 OTLP gRPC, 4318 OTLP HTTP, 8889 prometheus exporter (flow metrics), 13133 health_check.
EXPOSE 4317 4318 8889 13133
# The probe GETs http://127.0.0.1:13133/ (override with HEALTHPROBE_URL if the config binds
# health_check elsewhere). Exec form: there is no shell to run a CMD-SHELL check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["/healthprobe"]
ENTRYPOINT ["/otelcol-shop"]
# recordpolicy: each kept span names the sampling policy that kept its trace (src/collector/run-args.ts).
CMD ["--config=/etc/otelcol-shop/config.yaml", "--feature-gates=processor.tailsamplingprocessor.recordpolicy"]
