import { dirname, basename } from "node:path/posix";
import type { IContainer, IContainerPort, IVolume, IVolumeMount } from "kubernetes-models/v1";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { collectorArgs } from "../collector/run-args.js";
import { formatHostPort, isWildcardHost, parseEndpoint, parseHostPort, portOf } from "../endpoint/endpoint.js";
import type { OutputFile } from "../emit/write-atomically.js";
import { renderYaml } from "../emit/render.js";
import type { ResolvedEnvironment, ResolvedPipeline } from "../resolve/resolve.js";
import { mebibytes } from "../schema/units.js";
import type { TierResources } from "../schema/description.js";

/*
 * Kubernetes manifests for a two-tier environment, built from the typed objects of kubernetes-models
 * (generated from the Kubernetes OpenAPI schema) and checked against that schema before they are written.
 *
 * Agents are a Deployment: they hold no state a replacement needs, and any agent can take any span.
 * Samplers are a StatefulSet behind a headless Service: each pod has a stable name and its own
 * PersistentVolumeClaim for the queue to Jaeger, so a rescheduled sampler finds its unsent batches, and
 * the headless Service's DNS name resolves to exactly the sampler pods (the dns resolver) while the k8s
 * resolver watches the same Service's endpoints. The agents' queue is an emptyDir: it survives a crash
 * of the container (the kubelet restarts it in the same pod), not the loss of the pod.
 */

/** A generated config as its ConfigMap carries it, with the ${env:VAR}s its container must set. */
export interface TierConfig {
  content: string;
  envVars: string[];
}
type TierName = "agent" | "sampler";

const IMAGE = "otelcol-shop:0.161.0";
const CONFIG_DIR = "/etc/otelcol-shop";
const NAMES = {
  agent: "otelcol-agent",
  sampler: "otelcol-sampler",
  secrets: "otelcol-secrets",
  files: "otelcol-files",
};
/** Room per queued batch on the sampler's volume: one batch is at most one received request. */
const QUEUE_HEADROOM = 1.25;

type Validating = { validate(): void; toJSON(): unknown };

export function compileKubernetes(env: ResolvedEnvironment, configs: Record<TierName, TierConfig>): OutputFile[] {
  const { pipeline } = env;
  const { topology } = pipeline;
  const service = samplerService(pipeline);
  const labels = (tier: TierName) => ({
    "app.kubernetes.io/name": "otelcol-shop",
    "app.kubernetes.io/component": tier,
    "app.kubernetes.io/part-of": pipeline.system.name,
  });
  const metadata = (name: string, tier: TierName) => ({
    name,
    ...(service.namespace ? { namespace: service.namespace } : {}),
    labels: labels(tier),
  });
  const samplerPort =
    topology.resolver?.dns?.port ?? topology.resolver?.k8s?.port ?? parseHostPort(topology.sampler_listen).port;
  const queue = topology.queue;
  const k8sResolver = topology.resolver?.k8s !== undefined;

  const agentPorts = ports(pipeline);
  const objects: Array<[string, Validating]> = [
    [
      "agent-configmap.yaml",
      new ConfigMap({ metadata: metadata(NAMES.agent, "agent"), data: { "config.yaml": configs.agent.content } }),
    ],
    [
      "agent-deployment.yaml",
      new Deployment({
        metadata: metadata(NAMES.agent, "agent"),
        spec: {
          replicas: topology.agents,
          selector: { matchLabels: labels("agent") },
          template: {
            metadata: { labels: labels("agent") },
            spec: {
              ...(k8sResolver ? { serviceAccountName: NAMES.agent } : {}),
              securityContext: { runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532 },
              containers: [container(pipeline, "agent", configs.agent.envVars, agentPorts, topology.resources?.agent)],
              volumes: [
                { name: "config", configMap: { name: NAMES.agent } },
                ...(queue ? [{ name: "queue", emptyDir: {} }] : []),
                ...fileVolumes(pipeline, "agent"),
              ],
            },
          },
        },
      }),
    ],
    [
      "agent-service.yaml",
      new Service({
        metadata: metadata(NAMES.agent, "agent"),
        spec: {
          selector: labels("agent"),
          ports: agentPorts
            .filter((p) => p.name?.startsWith("otlp"))
            .map(({ name, containerPort }) => ({ name, port: containerPort, targetPort: containerPort })),
        },
      }),
    ],
    [
      "sampler-configmap.yaml",
      new ConfigMap({ metadata: metadata(NAMES.sampler, "sampler"), data: { "config.yaml": configs.sampler.content } }),
    ],
    [
      "sampler-service.yaml",
      new Service({
        metadata: { ...metadata(service.name, "sampler") },
        spec: {
          clusterIP: "None",
          selector: labels("sampler"),
          ports: [{ name: "otlp-grpc", port: samplerPort, targetPort: samplerPort }],
        },
      }),
    ],
    [
      "sampler-statefulset.yaml",
      new StatefulSet({
        metadata: metadata(NAMES.sampler, "sampler"),
        spec: {
          replicas: topology.samplers,
          serviceName: service.name,
          // Samplers do not depend on each other: start and replace them all at once.
          podManagementPolicy: "Parallel",
          selector: { matchLabels: labels("sampler") },
          template: {
            metadata: { labels: labels("sampler") },
            spec: {
              securityContext: { runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532 },
              containers: [
                container(
                  pipeline,
                  "sampler",
                  configs.sampler.envVars,
                  [{ name: "otlp-grpc", containerPort: samplerPort }, ...ownPorts(pipeline)],
                  topology.resources?.sampler,
                ),
              ],
              volumes: [{ name: "config", configMap: { name: NAMES.sampler } }, ...fileVolumes(pipeline, "sampler")],
            },
          },
          ...(queue
            ? {
                volumeClaimTemplates: [
                  {
                    metadata: { name: "queue" },
                    spec: {
                      accessModes: ["ReadWriteOnce"],
                      resources: {
                        requests: {
                          storage: `${Math.ceil(queue.size * mebibytes(pipeline.receivers.otlp.max_request_size) * QUEUE_HEADROOM)}Mi`,
                        },
                      },
                    },
                  },
                ],
              }
            : {}),
        },
      }),
    ],
    ...(k8sResolver ? resolverAccess(metadata(NAMES.agent, "agent")) : []),
  ];
  return objects.map(([file, object]) => {
    object.validate();
    return {
      path: `k8s/${file}`,
      content: renderYaml(object.toJSON(), [
        ` Generated by tracegen for environment ${env.name}. Do not edit: change the description and run \`tracegen build\`.`,
      ]),
    };
  });
}

/** The headless Service the samplers sit behind: named after what the resolver looks up. */
function samplerService({ topology }: ResolvedPipeline): { name: string; namespace?: string } {
  const dns = topology.resolver?.dns?.hostname.split(".");
  const k8s = topology.resolver?.k8s?.service.split(".");
  const [name, namespace] = dns ?? k8s ?? [NAMES.sampler];
  return { name: name ?? NAMES.sampler, ...(namespace ? { namespace } : {}) };
}

function ports(pipeline: ResolvedPipeline): IContainerPort[] {
  const { otlp } = pipeline.receivers;
  const port = (name: string, endpoint: string | undefined): IContainerPort[] => {
    const text = endpoint ? portOf(endpoint) : undefined;
    return text ? [{ name, containerPort: Number(text) }] : [];
  };
  return [
    ...port("otlp-grpc", otlp.grpc),
    ...port("otlp-http", otlp.http),
    ...port("flow-metrics", pipeline.exporters.prometheus.endpoint),
    ...ownPorts(pipeline),
  ];
}

/** The collector's own metrics and health check, which every tier serves. */
function ownPorts(pipeline: ResolvedPipeline): IContainerPort[] {
  const health = portOf(pipeline.telemetry.health_endpoint);
  return [
    { name: "metrics", containerPort: parseHostPort(pipeline.telemetry.metrics_endpoint).port },
    ...(health ? [{ name: "health", containerPort: Number(health) }] : []),
  ];
}

function container(
  pipeline: ResolvedPipeline,
  tier: TierName,
  envVars: string[],
  containerPorts: IContainerPort[],
  resources: TierResources | undefined,
): IContainer {
  // The image's /healthprobe GETs the health check from inside the container, so a health check bound
  // to loopback (production refuses plaintext elsewhere) still answers the kubelet.
  const health = parseEndpoint(pipeline.telemetry.health_endpoint);
  const probe =
    "env" in health
      ? undefined
      : {
          exec: { command: ["/healthprobe"] },
          periodSeconds: 10,
          timeoutSeconds: 5,
        };
  const probeUrl =
    "env" in health
      ? []
      : [
          {
            name: "HEALTHPROBE_URL",
            value: `http://${formatHostPort({ host: isWildcardHost(health.host) ? "127.0.0.1" : health.host, port: health.port })}/`,
          },
        ];
  const mounts: IVolumeMount[] = [
    { name: "config", mountPath: CONFIG_DIR, readOnly: true },
    ...(pipeline.topology.queue ? [{ name: "queue", mountPath: pipeline.topology.queue.directory }] : []),
    ...fileDirectories(pipeline, tier).map((dir, i) => ({ name: `files-${i}`, mountPath: dir, readOnly: true })),
  ];
  return {
    name: `otelcol-${tier}`,
    image: IMAGE,
    args: collectorArgs(`${CONFIG_DIR}/config.yaml`),
    ports: containerPorts,
    env: [
      ...envVars.map((name) => ({ name, valueFrom: { secretKeyRef: { name: NAMES.secrets, key: name } } })),
      ...probeUrl,
    ],
    volumeMounts: mounts,
    ...(probe ? { readinessProbe: probe, livenessProbe: { ...probe, initialDelaySeconds: 15 } } : {}),
    // The memory limit equals the request: memory_limiter's share is a share of this limit.
    ...(resources
      ? {
          resources: {
            requests: { cpu: resources.cpu, memory: resources.memory },
            limits: { memory: resources.memory },
          },
        }
      : {}),
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
  };
}

/** Files the config reads (TLS material, token file), each directory a volume from one Secret. */
function fileDirectories(pipeline: ResolvedPipeline, tier: TierName): string[] {
  return [...new Set(files(pipeline, tier).map((f) => dirname(f)))].sort();
}

/** Only the agents check ingest tokens; both tiers speak TLS. */
function files(pipeline: ResolvedPipeline, tier: TierName): string[] {
  const { tls, receivers } = pipeline;
  const token = tier === "agent" && receivers.otlp.auth === "bearer_token" ? receivers.otlp.token_file : undefined;
  const paths = [...(tls === "off" ? [] : [tls.ca_file, tls.cert_file, tls.key_file]), ...(token ? [token] : [])];
  return paths.filter((p) => p.startsWith("/"));
}

function fileVolumes(pipeline: ResolvedPipeline, tier: TierName): IVolume[] {
  const all = files(pipeline, tier);
  return fileDirectories(pipeline, tier).map((dir, i) => ({
    name: `files-${i}`,
    secret: {
      secretName: NAMES.files,
      items: all.filter((f) => dirname(f) === dir).map((f) => ({ key: basename(f), path: basename(f) })),
    },
  }));
}

/** The k8s resolver watches the samplers' endpoints: the agents need to read them, nothing more. */
function resolverAccess(metadata: {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
}): Array<[string, Validating]> {
  return [
    ["agent-serviceaccount.yaml", new ServiceAccount({ metadata })],
    [
      "agent-role.yaml",
      new Role({
        metadata,
        rules: [
          { apiGroups: [""], resources: ["endpoints"], verbs: ["get", "list", "watch"] },
          { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
        ],
      }),
    ],
    [
      "agent-rolebinding.yaml",
      new RoleBinding({
        metadata,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: metadata.name },
        subjects: [
          {
            kind: "ServiceAccount",
            name: metadata.name,
            ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
          },
        ],
      }),
    ],
  ];
}
