import {
  Type,
  type SchemaOptions,
  type Static,
  type TOptional,
  type TSchema,
  type TUnsafe,
} from "@sinclair/typebox";
import { DETECTOR_NAMES, DETECTORS } from "../masking/detectors.js";
import { SCRUB_KINDS } from "../masking/scrub-kinds.js";
import { SEMCONV_VERSION } from "../masking/semconv-allowlist.js";
import { EncryptionAtRest } from "./at-rest.js";
import { refine, AttributeKey, Duration, Endpoint, FilePath, HostPort, Mebibytes, Name, Pattern, Percentage, RuleName, SecretRef } from "./primitives.js";

/*
 * The one definition of the pipeline description. The TypeScript types, the
 * published JSON Schema, the reference page and the typo hints all come from here.
 */

/** Defaults for a flow's `alerts` keys, chosen for on-call: page on what customers feel. */
export const ALERT_DEFAULTS = {
  /** One order in twenty failing is already a bad day for a shop. */
  error_ratio: "5%",
  /** Longer than one rate window, so a single slow burst does not page. */
  for: "5m",
  /** A hop taking a fifth more of the flow's time than it used to is a new bottleneck. */
  hop_share_jump: "20%",
} as const;

/** The lowest TLS version accepted or offered when the description does not name one. */
export const TLS_MIN_VERSION_DEFAULT = "1.3";

const strict = { additionalProperties: false } as const;

/** Resource attributes that name a process (the Prometheus exporter's job and instance) and nothing personal. */
const METRICS_RESOURCE_ATTRIBUTES = [
  "service.name",
  "service.namespace",
  "service.instance.id",
  "service.version",
  "deployment.environment.name",
] as const;

export const ServiceKind = Type.Union(
  ["browser", "http", "grpc", "worker", "rabbitmq", "postgresql"].map((k) => Type.Literal(k)),
  { description: "What the service is; decides which spans the reference services emit for it." },
);

export const Service = Type.Object(
  {
    kind: ServiceKind,
    title: Type.Optional(
      Type.String({ minLength: 1, description: "Human name shown in reports and dashboards. Default: the service's name." }),
    ),
  },
  { ...strict, description: "A system that spans come from or pass through." },
);

export const FlowSampling = Type.Object(
  {
    keep: refine(Percentage, {
      description: "Share of the flow's ordinary traces kept, chosen by a hash of the trace id.",
    }),
    max_spans_per_second: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          "Cap on the spans per second kept by this flow's share. Errors and over-SLA traces are kept beyond it.",
      }),
    ),
  },
  { ...strict, description: "Share of this flow's ordinary traces (no error, within SLA) that is kept." },
);

export const Flow = Type.Object(
  {
    title: Type.Optional(
      Type.String({
        minLength: 1,
        description: "Human name of the flow, shown in dashboards, alerts and `tracegen explain`. Default: the flow's name.",
      }),
    ),
    path: Type.Array(Name, {
      minItems: 1,
      description: "The hops an order crosses, in order, by service name. A service may appear more than once.",
    }),
    sla: refine(Duration, {
      description: "Longest acceptable end-to-end time; slower traces are kept and alerted on.",
    }),
    sampling: FlowSampling,
    alerts: Type.Optional(
      Type.Object(
        {
          error_ratio: Type.Optional(
            refine(Percentage, {
              default: ALERT_DEFAULTS.error_ratio,
              description: "Share of failed traces above which the flow alerts.",
            }),
          ),
          for: Type.Optional(
            refine(Duration, {
              default: ALERT_DEFAULTS.for,
              description: "How long a threshold must stay crossed before the alert fires.",
            }),
          ),
          hop_share_jump: Type.Optional(
            refine(Percentage, {
              default: ALERT_DEFAULTS.hop_share_jump,
              description:
                "Rise of a hop's share of the flow's time, in percentage points over its average of the hour before, above which the flow alerts.",
            }),
          ),
        },
        { ...strict, description: "Thresholds for the flow's alerting rules." },
      ),
    ),
  },
  { ...strict, description: "An order flow: the traces whose flow attribute carries this flow's name." },
);

export const Sampling = Type.Object(
  {
    decision_wait: Type.Optional(
      refine(Duration, { default: "30s", description: "How long the collector holds a trace before deciding." }),
    ),
    errors: Type.Optional(
      Type.Union([Type.Literal("keep"), Type.Literal("as_flow")], {
        default: "keep",
        description:
          "`keep`: every trace with a span in error is kept. `as_flow`: errors are sampled like other traces.",
      }),
    ),
    slower_than_sla: Type.Optional(
      Type.Union([Type.Literal("keep"), Type.Literal("as_flow")], {
        default: "keep",
        description: "`keep`: every trace longer than its flow's SLA is kept.",
      }),
    ),
    unmatched: Type.Optional(
      refine(Percentage, { default: "1%", description: "Share kept of traces that belong to no flow." }),
    ),
    max_traces_per_second: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: 1000,
        description: "Expected peak of new traces per second; sizes the sampler's trace table and decision cache.",
      }),
    ),
    late_spans: Type.Optional(
      refine(Duration, {
        description: "How long after a decision late spans may still arrive. Default: the longest flow SLA.",
      }),
    ),
  },
  { ...strict, default: {}, description: "Tail sampling, shared by all flows." },
);

const literals = <T extends string>(values: readonly T[], options: SchemaOptions = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

export const Detector = literals(DETECTOR_NAMES, {
  description: "A built-in detector of the masking processor.",
});

export const ScrubRule = Type.Object(
  {
    key: refine(AttributeKey, { description: "The attribute, matched regardless of case, `.`, `_` and `-`." }),
    kind: literals(SCRUB_KINDS, {
      description:
        "`sql`: a statement, its string and number literals become `?`. `url`: a full URL, a path with a query, or a request target (`/p?q`), its query values become `?`. `query`: a bare query string (`a=1&b=2`), its values become `?`. `auto`: decided per value by its shape (URL, query or path shapes as `url`, anything else as `sql`).",
    }),
  },
  { ...strict, "x-expect": "a mapping { key, kind }", description: "An attribute to scrub, with what it holds." },
);

export const Masking = Type.Object(
  {
    remove: Type.Optional(
      Type.Array(AttributeKey, {
        default: [],
        description:
          "Attribute keys dropped wherever they appear. Keys match regardless of case and of `.`, `_` or `-` (`USER_ID` is `user.id`).",
      }),
    ),
    pseudonymize: Type.Optional(
      Type.Array(AttributeKey, {
        default: [],
        description:
          "Attribute keys whose values are replaced by a keyed hash (HMAC-SHA256): joinable, not reversible. The key must be at least 32 bytes in production.",
      }),
    ),
    pseudonymize_key: Type.Optional(
      refine(SecretRef, {
        default: "${env:TRACEGEN_PSEUDONYM_KEY}",
        description: "The HMAC secret, as an ${env:VAR} reference.",
      }),
    ),
    detect: Type.Optional(
      Type.Array(Detector, {
        default: [],
        description: `Built-in detectors run on every string a span carries, after Unicode NFKC, removal of zero-width characters and percent-decoding: ${DETECTOR_NAMES.map((name) => `\`${name}\`: ${DETECTORS[name]}`).join("; ")}. An attribute whose key holds a match is dropped.`,
      }),
    ),
    redact_values: Type.Optional(
      Type.Record(RuleName, Pattern, {
        additionalProperties: false,
        default: {},
        description:
          "Named RE2 patterns for what is specific to this system (detectors cover the common kinds); matching text is masked as `[REDACTED:<name>]` in every string a span carries.",
      }),
    ),
    numbers: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          "Whether detectors and redact_values also see integer and floating-point values, in decimal form; a match turns the value into the masked string. On by default because forms parse card and phone numbers into numbers, and a number is as personal as its text.",
      }),
    ),
    scrub_queries: Type.Optional(
      Type.Array(Type.Union([AttributeKey, ScrubRule]), {
        default: [],
        description:
          "Attributes holding SQL or URLs whose literal values become `?`: a key, or `{ key, kind }`. A key alone takes its kind from the semantic conventions (url.full, url.original, http.url, url.path, http.target: `url`; url.query: `query`; db.statement, db.query.text: `sql`), otherwise `auto`. SQL and URLs inside span names, status messages, event names and scope names are scrubbed too.",
      }),
    ),
    mode: Type.Optional(
      literals(["listed", "allow_list"], {
        default: "listed",
        description:
          "`listed`: attributes not named in a rule pass (after detectors and patterns). `allow_list`: deny by default, only allowed attributes pass; every other one is removed or pseudonymized (`otherwise`).",
      }),
    ),
    allow: Type.Optional(
      Type.Array(AttributeKey, {
        default: [],
        description: `Under \`mode: allow_list\`, the attributes that may leave the collector. Also allowed: the OpenTelemetry semantic-conventions attributes (registry ${SEMCONV_VERSION}) whose type cannot hold free text (booleans, numbers, enums, without geo.* and user ids), the keys of pseudonymize and scrub_queries, the flow attribute, the metric dimensions and exporters.prometheus.resource_attributes. Allowed values still pass detectors and patterns.`,
      }),
    ),
    otherwise: Type.Optional(
      literals(["remove", "pseudonymize"], {
        default: "remove",
        description: "Under `mode: allow_list`, what happens to an attribute that is not allowed.",
      }),
    ),
  },
  { ...strict, default: {}, description: "What never leaves the collector." },
);

export const JaegerExporter = Type.Object(
  {
    endpoint: Endpoint,
    protocol: Type.Optional(
      Type.Union([Type.Literal("grpc"), Type.Literal("http")], {
        default: "grpc",
        description: "OTLP transport to Jaeger.",
      }),
    ),
    queue_size: Type.Optional(
      Type.Integer({ minimum: 1, default: 5000, description: "Batches held in memory while Jaeger is unreachable." }),
    ),
    retry_max_elapsed: Type.Optional(
      refine(Duration, { default: "5m", description: "How long a failed batch is retried." }),
    ),
    ui_url: Type.Optional(
      Type.String({
        pattern: "^https?://",
        "x-expect": "an http:// or https:// URL",
        description: "Jaeger's web UI, for links from dashboards and alerts to a trace.",
      }),
    ),
  },
  { ...strict, description: "Where kept traces go: Jaeger's OTLP endpoint." },
);

export const PrometheusExporter = Type.Object(
  {
    endpoint: Endpoint,
    dimensions: Type.Optional(
      Type.Array(AttributeKey, {
        default: [],
        description: "Span attributes that become metric labels. Keep them bounded: never ids.",
      }),
    ),
    max_series: Type.Optional(
      Type.Integer({ minimum: 1, default: 5000, description: "Cap on distinct label sets per metric." }),
    ),
    resource_attributes: Type.Optional(
      Type.Array(AttributeKey, {
        default: [...METRICS_RESOURCE_ATTRIBUTES],
        description:
          "The only resource attributes that reach the flow metrics (as `job`, `instance` and `target_info` labels); every other one is dropped before the exporter, so a value masking missed on the resource does not become a label. service.name and service.instance.id tell series apart.",
      }),
    ),
    scrape_targets: Type.Optional(
      Type.Array(HostPort, {
        default: [],
        description:
          "Addresses Prometheus scrapes the flow metrics at. Empty: the endpoint, a wildcard host (0.0.0.0, ::) read as localhost.",
      }),
    ),
  },
  { ...strict, description: "Flow metrics (span metrics) exposed for Prometheus to scrape." },
);

export const DebugExporter = Type.Object(
  {
    verbosity: Type.Optional(
      Type.Union(
        ["basic", "normal", "detailed"].map((v) => Type.Literal(v)),
        { default: "basic" },
      ),
    ),
  },
  { ...strict, description: "Prints kept spans to the collector's log. Never in production." },
);

export const Exporters = Type.Object(
  {
    jaeger: JaegerExporter,
    prometheus: PrometheusExporter,
    debug: Type.Optional(DebugExporter),
  },
  { ...strict, description: "Where traces and flow metrics go." },
);

export const Oidc = Type.Object(
  {
    issuer_url: Type.String({
      pattern: "^https://",
      "x-expect": "an https:// URL",
      description: "The identity provider.",
    }),
    audience: Type.String({ minLength: 1, description: "Expected `aud` claim." }),
  },
  { ...strict, description: "OpenID Connect token validation." },
);

export const OtlpReceiver = Type.Object(
  {
    grpc: Type.Optional(Endpoint),
    http: Type.Optional(Endpoint),
    auth: Type.Optional(
      Type.Union(
        ["none", "bearer_token", "oidc"].map((v) => Type.Literal(v)),
        {
          default: "none",
          description: "How senders authenticate.",
        },
      ),
    ),
    token_file: Type.Optional(
      refine(FilePath, { description: "File holding the accepted bearer token (auth: bearer_token)." }),
    ),
    oidc: Type.Optional(Oidc),
    cors_origins: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: "Origins allowed to send OTLP/HTTP from a browser." }),
    ),
    max_request_size: Type.Optional(
      refine(Mebibytes, {
        default: "1MiB",
        description:
          "Largest OTLP request accepted, on gRPC and HTTP alike, counted after decompression; a larger one is refused. 1MiB holds a full batch of 512 spans of up to 2 KB each. Production refuses more than 2MiB: the decoder spends memory the memory limiter cannot see on deeply nested attributes, about 130 MiB per MiB admitted, and crashes from about 11MiB (README, Known issues).",
      }),
    ),
  },
  { ...strict, description: "The OTLP endpoints services send spans to." },
);

export const Receivers = Type.Object(
  { otlp: OtlpReceiver },
  { ...strict, description: "What the collector listens on." },
);

export const TlsSettings = Type.Object(
  {
    ca_file: refine(FilePath, { description: "CA that signs the certificates of Jaeger and, under mTLS, of senders." }),
    cert_file: refine(FilePath, { description: "The collector's certificate, served and presented to Jaeger." }),
    key_file: refine(FilePath, { description: "The collector's private key." }),
    min_version: Type.Optional(
      Type.Union([Type.Literal("1.2"), Type.Literal("1.3")], {
        default: TLS_MIN_VERSION_DEFAULT,
        description: "Lowest TLS version accepted or offered.",
      }),
    ),
    client_auth: Type.Optional(
      Type.Union([Type.Literal("none"), Type.Literal("required")], {
        default: "none",
        description: "`required`: senders must present a certificate signed by ca_file (mTLS).",
      }),
    ),
  },
  { ...strict, description: "Certificates for every endpoint the collector serves or calls." },
);

export const Tls = Type.Union([TlsSettings, Type.Literal("off")], {
  description: "TLS settings, or `off` (allowed only when every endpoint is on loopback).",
});

export const Telemetry = Type.Object(
  {
    log_level: Type.Optional(
      Type.Union(
        ["debug", "info", "warn", "error"].map((v) => Type.Literal(v)),
        { default: "info" },
      ),
    ),
    metrics_endpoint: Type.Optional(
      refine(HostPort, { default: "localhost:8888", description: "The collector's own metrics." }),
    ),
    health_endpoint: Type.Optional(
      refine(Endpoint, { default: "localhost:13133", description: "Health check for probes." }),
    ),
    memory_limit: Type.Optional(
      refine(Percentage, { default: "80%", description: "Share of the container's memory the collector may use." }),
    ),
  },
  { ...strict, default: {}, description: "The collector's own health, logs and metrics." },
);

/** Kubernetes quantities, as the API server reads them (a subset: plain, milli and binary suffixes). */
const CpuQuantity = Type.String({
  pattern: "^([0-9]+m|[0-9]+(\\.[0-9]+)?)$",
  "x-expect": "a CPU quantity like 500m or 2",
  description: "CPU, in cores (`2`, `0.5`) or millicores (`500m`).",
});
const MemoryQuantity = Type.String({
  pattern: "^[0-9]+(Ki|Mi|Gi)$",
  "x-expect": "a memory quantity like 512Mi or 2Gi",
  description: "Memory, in Ki, Mi or Gi.",
});

export const TierResources = Type.Object(
  {
    cpu: CpuQuantity,
    memory: refine(MemoryQuantity, {
      description:
        "Memory requested, and the container's limit too: memory_limiter's share (telemetry.memory_limit) is a share of this limit.",
    }),
  },
  { ...strict, description: "What one collector of the tier asks Kubernetes for." },
);

export const SamplerResolver = Type.Object(
  {
    static: Type.Optional(
      Type.Array(HostPort, { minItems: 1, description: "A fixed list of sampler addresses, host:port." }),
    ),
    dns: Type.Optional(
      Type.Object(
        {
          hostname: Type.String({
            pattern: "^[A-Za-z0-9.-]+$",
            "x-expect": "a DNS name",
            description: "A name that resolves to every sampler's address: a headless Service's name.",
          }),
          port: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 65535,
              description: "The samplers' OTLP port. Default: the port of sampler_listen.",
            }),
          ),
        },
        { ...strict, description: "Samplers found by resolving one DNS name, again every few seconds." },
      ),
    ),
    k8s: Type.Optional(
      Type.Object(
        {
          service: Type.String({
            pattern: "^[a-z0-9][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)?$",
            "x-expect": "a Service name, optionally `name.namespace`",
            description: "The samplers' Service, as `name` or `name.namespace`; its endpoints are watched.",
          }),
          port: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 65535,
              description: "The samplers' OTLP port. Default: the port of sampler_listen.",
            }),
          ),
        },
        {
          ...strict,
          description: "Samplers found by watching a Kubernetes Service's endpoints (needs RBAC to list them).",
        },
      ),
    ),
  },
  {
    ...strict,
    minProperties: 1,
    maxProperties: 1,
    "x-expect": "exactly one of static, dns or k8s",
    description: "How the agents find the samplers: exactly one of `static`, `dns` or `k8s`.",
  },
);

export const PersistentQueue = Type.Object(
  {
    directory: refine(FilePath, {
      description:
        "Where each collector keeps its queue on disk (file_storage); a volume that outlives the process.",
    }),
    size: Type.Integer({
      minimum: 1,
      maximum: 1000000,
      description:
        "Most batches held per exporter; when full, new spans are refused to the sender instead of dropped silently.",
    }),
  },
  {
    ...strict,
    description:
      "Persistent sending queues on the exporters that can lose data on a restart or an unreachable backend: agents to samplers, samplers to Jaeger.",
  },
);

export const Topology = Type.Object(
  {
    kind: Type.Optional(
      literals(["single", "two-tier"], {
        default: "single",
        description:
          "`single`: one collector does everything (collector.yaml). `two-tier`: agents receive, mask and count every span, then route each trace by id to one of the samplers, which tail-sample and export (agent.yaml, sampler.yaml, k8s/).",
      }),
    ),
    samplers: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, default: 2, description: "Number of sampler replicas." }),
    ),
    agents: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 2, description: "Number of agent replicas." })),
    sampler_listen: Type.Optional(
      refine(HostPort, { default: "0.0.0.0:4317", description: "Where a sampler receives OTLP/gRPC from the agents." }),
    ),
    resolver: Type.Optional(SamplerResolver),
    sampler_timeout: Type.Optional(
      refine(Duration, {
        default: "5s",
        description:
          "How long an agent waits for a sampler to take one request before it sends it again. A request that was taken after all arrives twice, so set it above the samplers' slowest answer under load.",
      }),
    ),
    queue: Type.Optional(PersistentQueue),
    resources: Type.Optional(
      Type.Object(
        { agent: TierResources, sampler: TierResources },
        { ...strict, description: "Resource requests per tier, written into the Kubernetes manifests." },
      ),
    ),
  },
  { ...strict, default: {}, description: "How many collectors run, and how traces reach the one that samples them." },
);

export const Tier = Type.Union(
  ["production", "staging", "development"].map((v) => Type.Literal(v)),
  {
    description:
      "Which guardrails apply. Default: `production` for an environment named prod or production, `development` for dev, development or local, otherwise `staging`.",
  },
);

/** The roles a staff token may map to; what each may see is fixed by the gateway, not the description. */
export const STAFF_ROLES = ["support", "developer", "manager"] as const;

export const StaffMfa = Type.Object(
  {
    amr: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        default: ["otp", "mfa", "hwk"],
        description: "`amr` values (RFC 8176) that show a second factor; a staff token needs at least one of them.",
      }),
    ),
    min_acr: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "An `acr` value a staff token must carry instead of (or besides) a second-factor `amr`; sent as `acr_values` in the step-up challenge.",
      }),
    ),
  },
  { ...strict, description: "Multi-factor authentication every staff token must show." },
);

export const StaffAccess = Type.Object(
  {
    role_claim: Type.String({ minLength: 1, description: "Token claim holding the staff member's groups or roles." }),
    roles: Type.Record(Type.String({ minLength: 1 }), literals(STAFF_ROLES), {
      minProperties: 1,
      description:
        "Claim value → role. `support` sees everything; `developer` and `manager` see spans without the attributes listed under remove_attributes.",
    }),
    active_claim: Type.Optional(
      Type.String({
        minLength: 1,
        default: "active",
        description: "Boolean claim the identity provider sets to true for an active account; anything else is refused.",
      }),
    ),
    mfa: Type.Optional(StaffMfa),
    remove_attributes: Type.Optional(
      Type.Object(
        {
          developer: Type.Optional(Type.Array(AttributeKey, { default: [] })),
          manager: Type.Optional(Type.Array(AttributeKey, { default: [] })),
        },
        {
          ...strict,
          default: {},
          description:
            "Attributes removed from spans, process tags and span events before a developer or a manager sees them.",
        },
      ),
    ),
    manager_flow_health_only: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          "Managers see the flow-health views only: the service and operation lists and the dependency graph; trace searches and single traces are refused (403).",
      }),
    ),
  },
  { ...strict, description: "Staff who sign in through the identity provider." },
);

export const PartnerAccess = Type.Object(
  {
    scope: Type.Optional(
      Type.String({
        minLength: 1,
        default: "traces:read",
        description: "OAuth 2.0 scope a partner's client-credentials token must carry.",
      }),
    ),
    partner_claim: Type.String({ minLength: 1, description: "Token claim holding the partner's id." }),
    attribute: refine(AttributeKey, {
      description: "Span attribute the services set to the calling partner's id; a partner sees traces carrying theirs.",
    }),
    allow: Type.Array(AttributeKey, {
      default: [],
      description: "The only span and process attributes a partner sees (besides the partner attribute); all others are removed.",
    }),
    entry_services: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        uniqueItems: true,
        description:
          "Services where partners call in, whose span carries the partner attribute. A partner's search first finds the partner's traces by that attribute on these services (up to `limits.max_traces` each), then answers from those only, so other partners' traces cannot crowd theirs out. Without it, searches are filtered after Jaeger answers and may return fewer of the partner's traces than exist.",
      }),
    ),
  },
  { ...strict, description: "Partners (suppliers, B2B customers) calling with OAuth 2.0 client credentials." },
);

export const AccessLimits = Type.Object(
  {
    rate: Type.Number({ exclusiveMinimum: 0, description: "Requests per second refilled into each client's bucket." }),
    burst: Type.Integer({ minimum: 1, description: "Requests a client may make at once (the bucket's size)." }),
    max_url_length: Type.Optional(
      Type.Integer({ minimum: 64, maximum: 65536, default: 4096, description: "Longest request target accepted, in bytes." }),
    ),
    max_body: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1048576, default: 16384, description: "Largest request body accepted, in bytes." }),
    ),
    max_result: Type.Optional(
      refine(Mebibytes, {
        default: "8MiB",
        description: "Largest upstream answer passed on; a larger one is refused with 413 rather than cut.",
      }),
    ),
    max_traces: Type.Optional(
      Type.Integer({ minimum: 1, default: 100, description: "Most traces a search may ask for (`limit`)." }),
    ),
    query_timeout: Type.Optional(
      refine(Duration, {
        default: "10s",
        description: "How long a query may take upstream before the gateway answers 504.",
      }),
    ),
    partner_lookup_time: Type.Optional(
      refine(Duration, {
        default: "100ms",
        description:
          "Least time a partner's fetch of one trace by id takes to answer 404: a missing trace and another partner's both take it, so the time tells them apart no more than the answer does. Set it above the time the gateway takes to fetch and filter the largest trace.",
      }),
    ),
  },
  { ...strict, description: "Per-client rate limit and per-request bounds." },
);

export const JaegerStorage = Type.Union(
  [
    Type.Object(
      { memory: Type.Object({ max_traces: Type.Integer({ minimum: 1 }) }, strict) },
      { ...strict, description: "In-memory storage: lost on restart." },
    ),
    Type.Object(
      {
        badger: Type.Object(
          {
            directory: refine(FilePath, { description: "Where Badger keeps its key and value files." }),
            ttl: refine(Duration, { description: "How long spans are kept." }),
            encryption_at_rest: Type.Optional(EncryptionAtRest),
          },
          strict,
        ),
      },
      { ...strict, description: "Badger on local disk." },
    ),
  ],
  { description: "Jaeger's trace storage backend." },
);

/** Not a schema default: TypeBox would merge it into a storage given as badger, making it both. */
export const DEFAULT_JAEGER_STORAGE: Static<typeof JaegerStorage> = { memory: { max_traces: 100000 } };

export const JaegerServer = Type.Object(
  {
    otlp_grpc: Type.Optional(
      refine(Endpoint, { default: "0.0.0.0:4317", description: "Where Jaeger receives OTLP/gRPC from the collector." }),
    ),
    query_http_port: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65535, default: 16686, description: "Jaeger's UI and HTTP query API, on 127.0.0.1." }),
    ),
    query_grpc_port: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65535, default: 16685, description: "Jaeger's gRPC query API, on 127.0.0.1." }),
    ),
    health_port: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65535, default: 13133, description: "Jaeger's health check, on 127.0.0.1." }),
    ),
    metrics_port: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65535, default: 8888, description: "Jaeger's own metrics, on 127.0.0.1." }),
    ),
    storage: Type.Optional(
      refine(JaegerStorage, { description: "Jaeger's trace storage backend; without it, memory for 100000 traces." }),
    ),
    tls: Type.Optional(
      refine(Tls, {
        description:
          "Jaeger's certificate for the OTLP receiver the collector exports to (`client_auth: required` demands the collector's certificate), or `off` where the collector sends in plaintext (tls: off). Required wherever the collector's TLS is on.",
      }),
    ),
  },
  {
    ...strict,
    default: {},
    description:
      "The Jaeger v2 server written to jaeger.yaml. Its query, health and metrics ports are always bound to 127.0.0.1: the gateway is the only way in.",
  },
);

export const Access = Type.Object(
  {
    issuer: Type.String({
      pattern: "^https://",
      "x-expect": "an https:// URL",
      description: "The OpenID Connect issuer; its discovery document and JWKS are fetched from it.",
    }),
    audiences: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: "Accepted `aud` values of access tokens.",
    }),
    algorithms: Type.Optional(
      Type.Array(literals(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]), {
        minItems: 1,
        default: ["RS256", "PS256", "ES256", "EdDSA"],
        description: "Accepted token signature algorithms; only asymmetric ones exist here.",
      }),
    ),
    clock_skew: Type.Optional(
      refine(Duration, { default: "30s", description: "Tolerance on exp and nbf for clocks that drift." }),
    ),
    staff: StaffAccess,
    partners: Type.Optional(PartnerAccess),
    limits: Type.Optional(AccessLimits),
    listen: refine(HostPort, { description: "Where the gateway serves HTTPS." }),
    tls: Type.Optional(Tls),
    audit: Type.Optional(
      Type.Object(
        {
          database_url_env: Type.String({
            pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
            "x-expect": "an environment variable name like TRACEGEN_AUDIT_DATABASE_URL",
            description: "Name of the environment variable holding the audit log's PostgreSQL URL (never the URL itself).",
          }),
        },
        { ...strict, description: "Where every request to the gateway is recorded." },
      ),
    ),
    jaeger: Type.Optional(JaegerServer),
  },
  {
    ...strict,
    description:
      "Who may read traces, through the gateway in front of Jaeger's query API. Compiled into gateway.yaml and jaeger.yaml.",
  },
);

/** Everything an environment may set, apart from the overlay itself. */
export const PipelineFields = {
  system: Type.Object(
    {
      name: refine(Name, { description: "The system's name; becomes service.namespace and salts sampling hashes." }),
      flow_attribute: refine(AttributeKey, {
        description: "Span or baggage attribute that names the flow a trace belongs to.",
      }),
    },
    { ...strict, description: "The traced system as a whole." },
  ),
  services: Type.Record(Name, Service, {
    additionalProperties: false,
    description: "Every service spans come from, by name.",
  }),
  flows: Type.Record(Name, Flow, { additionalProperties: false, description: "The order flows, by name." }),
  sampling: Type.Optional(Sampling),
  masking: Type.Optional(Masking),
  exporters: Exporters,
  receivers: Receivers,
  tls: Tls,
  telemetry: Type.Optional(Telemetry),
  access: Type.Optional(Access),
  topology: Type.Optional(Topology),
};

export const Pipeline = Type.Object(PipelineFields, strict);

export const Environment = Type.Object(
  {
    tier: Type.Optional(Tier),
    ...partialFields(PipelineFields),
  },
  { ...strict, description: "An environment's overlay: maps merge into the base, lists and scalars replace it." },
);

export const Description = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: "Editor hint; ignored." })),
    tracegen: Type.Literal(1, { description: "Version of the description format." }),
    ...PipelineFields,
    environments: Type.Record(Name, Environment, {
      additionalProperties: false,
      minProperties: 1,
      description: "The environments to generate, each an overlay on the base.",
    }),
  },
  { ...strict, title: "tracegen pipeline description", $id: "https://tracegen.dev/schema/tracegen.schema.json" },
);

export type Description = Static<typeof Description>;
export type Sampling = Static<typeof Sampling>;
export type Masking = Static<typeof Masking>;
export type ScrubRule = Static<typeof ScrubRule>;
export type Telemetry = Static<typeof Telemetry>;
export type JaegerExporter = Static<typeof JaegerExporter>;
export type PrometheusExporter = Static<typeof PrometheusExporter>;
export type DebugExporter = Static<typeof DebugExporter>;
export type OtlpReceiver = Static<typeof OtlpReceiver>;
export type Pipeline = Static<typeof Pipeline>;
export type Flow = Static<typeof Flow>;
export type Service = Static<typeof Service>;
export type TlsSettings = Static<typeof TlsSettings>;
export type Environment = Static<typeof Environment>;
export type TierName = Static<typeof Tier>;
export type Access = Static<typeof Access>;
export type StaffRole = (typeof STAFF_ROLES)[number];
export type Topology = Static<typeof Topology>;
export type PersistentQueue = Static<typeof PersistentQueue>;
export type TierResources = Static<typeof TierResources>;

export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * The overlay schema is the base schema with every key optional at every depth,
 * so an environment can name one leaf without restating its siblings.
 */
function deepPartial<T extends TSchema>(schema: T): TUnsafe<DeepPartial<Static<T>>> {
  return partialOf(schema) as unknown as TUnsafe<DeepPartial<Static<T>>>;
}

function partialFields<F extends Record<string, TSchema>>(
  fields: F,
): { [K in keyof F]: TOptional<TUnsafe<DeepPartial<Static<F[K]>>>> } {
  return mapValues(fields, (schema) => Type.Optional(deepPartial(schema))) as {
    [K in keyof F]: TOptional<TUnsafe<DeepPartial<Static<F[K]>>>>;
  };
}

function partialOf(schema: TSchema): TSchema {
  const s = schema as Record<string, unknown>;
  if (s["type"] === "object" && s["properties"]) {
    const props = s["properties"] as Record<string, TSchema>;
    const { required: _required, ...rest } = s;
    return { ...rest, properties: mapValues(props, partialOf) } as unknown as TSchema;
  }
  if (s["type"] === "object" && s["patternProperties"]) {
    return {
      ...s,
      patternProperties: mapValues(s["patternProperties"] as Record<string, TSchema>, partialOf),
    } as unknown as TSchema;
  }
  if (Array.isArray(s["anyOf"])) {
    return { ...withoutDefault(s), anyOf: (s["anyOf"] as TSchema[]).map(partialOf) } as unknown as TSchema;
  }
  return withoutDefault(s) as unknown as TSchema;
}

/** Defaults belong to the base only: an overlay that inherited them would override the base with them. */
function withoutDefault(schema: Record<string, unknown>): Record<string, unknown> {
  const { default: _default, ...rest } = schema;
  return rest;
}

function mapValues<V, W>(record: Record<string, V>, f: (v: V) => W): Record<string, W> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}
