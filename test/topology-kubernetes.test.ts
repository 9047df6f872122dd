import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { compileKubernetes } from "../src/deploy/kubernetes.js";
import { generate } from "../src/orchestrate/generate.js";
import type { Description } from "../src/schema/description.js";
import { loadRepoDescription } from "./helpers/repo.js";

/*
 * The manifests are read back from the generated YAML text and validated offline against the Kubernetes
 * OpenAPI schema that kubernetes-models carries, as `kubectl apply --dry-run` would before anything else.
 */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
};

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec?: Record<string, unknown> };

function validateManifest(text: string): Manifest {
  const manifest = parse(text) as Manifest;
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
  return manifest;
}

const twoTier = await loadRepoDescription("examples/two-tier.tracing.yaml");

function withProdTopology(topology: Record<string, unknown>) {
  const description = structuredClone(twoTier.description) as Description;
  const prod = description.environments["prod"] as Record<string, unknown>;
  prod["topology"] = topology;
  return { ...twoTier, description };
}

describe("the Kubernetes manifests of a two-tier environment", () => {
  const prod = generate(twoTier, { kubernetes: compileKubernetes }).outputs.find((o) => o.env.name === "prod")!;
  const manifests = new Map(
    prod.files.filter((f) => f.path.startsWith("prod/k8s/")).map((f) => [f.path.slice("prod/k8s/".length), f.content]),
  );

  it("are valid Kubernetes objects, every one of them", () => {
    expect([...manifests.keys()].sort()).toEqual([
      "agent-configmap.yaml",
      "agent-deployment.yaml",
      "agent-service.yaml",
      "sampler-configmap.yaml",
      "sampler-service.yaml",
      "sampler-statefulset.yaml",
    ]);
    for (const text of manifests.values()) validateManifest(text);
  });

  it("carry the generated configs, replica counts and resource requests of the description", () => {
    const agentMap = validateManifest(manifests.get("agent-configmap.yaml")!) as unknown as {
      data: Record<string, string>;
    };
    const samplerMap = validateManifest(manifests.get("sampler-configmap.yaml")!) as unknown as {
      data: Record<string, string>;
    };
    expect(agentMap.data["config.yaml"]).toBe(prod.collectors[0]!.content);
    expect(samplerMap.data["config.yaml"]).toBe(prod.collectors[1]!.content);
    const agents = parse(manifests.get("agent-deployment.yaml")!);
    const samplers = parse(manifests.get("sampler-statefulset.yaml")!);
    expect(agents.spec.replicas).toBe(2);
    expect(samplers.spec.replicas).toBe(3);
    expect(agents.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: "500m", memory: "512Mi" },
      limits: { memory: "512Mi" },
    });
    expect(samplers.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: "1", memory: "2Gi" });
  });

  it("put the samplers behind a headless Service named as the dns resolver looks it up, each with its own queue volume", () => {
    const service = parse(manifests.get("sampler-service.yaml")!);
    const samplers = parse(manifests.get("sampler-statefulset.yaml")!);
    expect(service.spec.clusterIP).toBe("None");
    expect(`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`).toBe(
      "otelcol-sampler.observability.svc.cluster.local",
    );
    expect(samplers.spec.serviceName).toBe(service.metadata.name);
    expect(samplers.spec.selector.matchLabels).toEqual(service.spec.selector);
    expect(samplers.spec.volumeClaimTemplates[0].metadata.name).toBe("queue");
    const mounts = samplers.spec.template.spec.containers[0].volumeMounts;
    expect(mounts).toContainEqual({ name: "queue", mountPath: "/var/lib/otelcol/queue" });
  });

  it("give the agents read access to the samplers' endpoints under the k8s resolver, and nothing more", () => {
    const result = generate(withProdTopology({ resolver: { k8s: { service: "otelcol-sampler.observability" } } }), {
      kubernetes: compileKubernetes,
      environments: ["prod"],
    });
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const files = result.outputs[0]!.files.filter((f) => f.path.startsWith("prod/k8s/"));
    for (const f of files) validateManifest(f.content);
    const role = parse(files.find((f) => f.path.endsWith("agent-role.yaml"))!.content);
    expect(role.rules.flatMap((r: { verbs: string[] }) => r.verbs).sort()).toEqual([
      "get",
      "get",
      "list",
      "list",
      "watch",
      "watch",
    ]);
    const deployment = parse(files.find((f) => f.path.endsWith("agent-deployment.yaml"))!.content);
    expect(deployment.spec.template.spec.serviceAccountName).toBe("otelcol-agent");
  });

  it("are refused by the schema check when broken: the check can fail", () => {
    const broken = parse(manifests.get("sampler-statefulset.yaml")!);
    delete broken.spec.selector;
    expect(() => validateManifest(JSON.stringify(broken))).toThrow(/selector/);
    const wrongType = parse(manifests.get("agent-deployment.yaml")!);
    wrongType.spec.replicas = "two";
    expect(() => validateManifest(JSON.stringify(wrongType))).toThrow(/replicas/);
  });

  it("are not written for a single-collector environment", () => {
    const single = generate(twoTier, { environments: ["prod"], kubernetes: compileKubernetes });
    expect(single.outputs[0]!.files.some((f) => f.path.includes("/k8s/"))).toBe(true);
    const shop = generate(withProdTopology({ kind: "single" }), {
      environments: ["prod"],
      kubernetes: compileKubernetes,
    });
    expect(shop.outputs[0]!.files.some((f) => f.path.includes("/k8s/"))).toBe(false);
    expect(shop.outputs[0]!.collectors.map((c) => c.path)).toEqual(["prod/collector.yaml"]);
  });
});
