import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CollectorConfig } from "../collector/config.js";
import { ID } from "../collector/registry.js";
import { compileAgentConfig, compileSamplerConfig } from "../compile/index.js";
import { renderCollectorYaml } from "../emit/render.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { type CollectorLog, type CollectorProcess, type ProcessUsage } from "../collector/runtime/process.js";
import { onFreePorts, sleep } from "../process/child.js";
import { freeAddresses, runtimePipeline, type RuntimeAddresses } from "../collector/runtime/addresses.js";
import {
  collectFlowMetrics,
  makeRunSecrets,
  ReplayFailure,
  runSettings,
  sendPlan,
  startJaegerSink,
  waitForDecisions,
  waitLongerForSink,
  type Protocol,
  type ReplayRecord,
  type ReplaySetup,
  type RunSettings,
} from "./run.js";
import { createSender, type Sender } from "./sender.js";
import type { Received, Sink } from "./sink.js";
import type { TlsMaterial } from "./tls-material.js";
import { collectorEnvironment, startHealthy } from "../collector/runtime/launch.js";

/*
 * A replay through a two-tier topology: N agents and M samplers, each a real otelcol-shop process on
 * loopback running the environment's agent.yaml or sampler.yaml with only addresses, secrets and queue
 * directories swapped. The static resolver lists the samplers' run-time endpoints, as a description's
 * static resolver would list theirs. The harness spreads batches over the agents, so the spans of one
 * trace reach different agents and only routing by trace id can bring them together again.
 */

export interface TwoTierSetup extends ReplaySetup {
  agents: number;
  samplers: number;
  /**
   * Runs while the fixtures are sent: faults are injected here (kill a sampler, take Jaeger down...).
   * `sent` settles once the harness has sent every batch; the replay waits for both.
   */
  during?: (tiers: RunningTiers, sink: Sink, sent: Promise<unknown>) => Promise<void>;
  /**
   * After the decisions, wait until `until` holds for what reached the sink, at most `giveUpMs`: queues
   * that retry with back-off after a fault deliver late, and a replay that stops early would lose them.
   */
  settle?: { until: (received: readonly Received[]) => boolean; giveUpMs: number };
}

export interface TierProcess {
  role: "agent" | "sampler";
  index: number;
  /** Where it receives: an agent's OTLP endpoint, a sampler's listen address. */
  endpoint: string;
  process: CollectorProcess;
  /** Starts it again with the same config, ports and queue directory. */
  restart(): Promise<void>;
}

export interface RunningTiers {
  agents: TierProcess[];
  samplers: TierProcess[];
}

export interface TwoTierRecord extends ReplayRecord {
  agentConfig: CollectorConfig;
  samplerConfig: CollectorConfig;
  tiers: { agents: number; samplers: number };
}

export async function runTwoTierReplay(setup: TwoTierSetup): Promise<TwoTierRecord> {
  const { pipeline } = setup.env;
  if (pipeline.topology.kind !== "two-tier")
    throw new ReplayFailure(`environment ${setup.env.name} has a single-collector topology, not two-tier`);
  if (pipeline.receivers.otlp.auth === "oidc")
    throw new ReplayFailure(
      `environment ${setup.env.name} authenticates senders with OIDC; a replay can stand in for bearer-token auth only`,
    );
  const protocol: Protocol = setup.protocol ?? (pipeline.receivers.otlp.grpc !== undefined ? "grpc" : "http");
  if (pipeline.receivers.otlp[protocol] === undefined)
    throw new ReplayFailure(`environment ${setup.env.name}'s receiver does not offer ${protocol}`);
  const dir = await mkdtemp(join(tmpdir(), "tracegen-tiers-"));
  try {
    const secrets = await makeRunSecrets(pipeline, dir);
    const { tls, token, pseudonymKey } = secrets;
    const sink = await startJaegerSink(pipeline, tls);
    const all: TierProcess[] = [];
    const logs: CollectorLog[] = [];
    try {
      setup.onProgress?.({ phase: "starting" });
      const { agents, samplers, agentAddresses, agentConfig, samplerConfig } = await startTiers({
        setup,
        dir,
        protocol,
        run: runSettings(secrets, sink),
        all,
        logs,
      });
      const tiers: RunningTiers = { agents, samplers };
      setup.onProgress?.({ phase: "running", pid: agents[0]?.process.pid ?? -1 });
      const atReady = await totalUsage(all);
      const sender = spreadOver(agents.map((a) => createSender(senderOptions(protocol, a.endpoint, tls, token))));
      const startedAt = Date.now();
      let sent;
      try {
        const sending = sendPlan(setup, sender, startedAt, () => all.flatMap((p) => p.process.logTail()));
        const faults = setup.during?.(
          tiers,
          sink,
          sending.catch(() => undefined),
        );
        [sent] = await Promise.all([sending, faults]);
      } finally {
        sender.close();
      }
      const sendMs = Date.now() - startedAt;
      await waitForDecisions(setup, samplerConfig as CollectorConfig, sent, startedAt, sink);
      if (setup.settle) {
        const giveUp = Date.now() + setup.settle.giveUpMs;
        while (!setup.settle.until(sink.received) && Date.now() < giveUp) await sleep(250);
        // A moment more: a batch delivered twice would arrive now.
        await sleep(1500);
      }
      setup.onProgress?.({ phase: "metrics" });
      const metrics = await collectFlowMetrics(
        agentConfig as CollectorConfig,
        agentAddresses.map((a) => a.prometheus),
        tls,
        setup.plan.spans,
        startedAt + sendMs,
      );
      const atEnd = await totalUsage(all);
      setup.onProgress?.({ phase: "stopping" });
      await Promise.all(all.map((p) => p.process.stop()));
      for (const p of all) logs.push(p.process.log());
      return {
        environment: setup.env.name,
        protocol,
        sinkProtocol: pipeline.exporters.jaeger.protocol,
        tls: tls !== undefined,
        auth: pipeline.receivers.otlp.auth,
        decisionWait: {
          configured: pipeline.sampling.decision_wait,
          used: setup.decisionWait ?? pipeline.sampling.decision_wait,
        },
        pseudonymKey,
        config: agentConfig as CollectorConfig,
        agentConfig: agentConfig as CollectorConfig,
        samplerConfig: samplerConfig as CollectorConfig,
        tiers: { agents: setup.agents, samplers: setup.samplers },
        plan: setup.plan,
        sent,
        startedAt,
        sendMs,
        received: sink.received,
        garbage: sink.garbage,
        metrics,
        usage: { atReady, atEnd },
        // Every process's log, restarts included: the leak oracle reads them all.
        collectorLog: { lines: logs.flatMap((l) => l.lines), dropped: logs.reduce((n, l) => n + l.dropped, 0) },
      };
    } finally {
      await Promise.all(all.map((p) => p.process.stop()));
      await sink.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Starts the samplers, then the agents, each recorded in `all` as soon as it runs so that a failure
 * stops every one of them. Ports are picked free just before they are bound; when another process wins
 * that race, everything started is stopped and the tiers start again on new ports.
 */
async function startTiers(tiers: TierRun) {
  return onFreePorts(
    () => startTiersOnce(tiers),
    async () => {
      await Promise.all(tiers.all.map((p) => p.process.stop()));
      tiers.all.length = 0;
    },
  );
}

/** What every collector of one two-tier run shares: its settings, its folder, and who has started. */
interface TierRun {
  setup: TwoTierSetup;
  dir: string;
  protocol: Protocol;
  run: RunSettings;
  all: TierProcess[];
  /** The logs of the processes that ended, restarts included. */
  logs: CollectorLog[];
}

async function startTiersOnce(tiers: TierRun) {
  const { setup, dir, protocol, run } = tiers;
  const { pipeline } = setup.env;
  const samplerAddresses = await Promise.all(
    Array.from({ length: setup.samplers }, () => freeAddresses(pipeline, run)),
  );
  // A sampler listens on its own free port; freeAddresses gave it an unused OTLP/gRPC one.
  const samplerEndpoints = samplerAddresses.map((a, i) => listenAddress(a, i));
  const agentAddresses = await Promise.all(Array.from({ length: setup.agents }, () => freeAddresses(pipeline, run)));
  let samplerConfig: CollectorConfig | undefined;
  let agentConfig: CollectorConfig | undefined;
  const samplers = await Promise.all(
    samplerAddresses.map(async (addresses, index) => {
      const runtime = runtimePipeline(pipeline, addresses);
      runtime.pipeline.topology.sampler_listen = samplerEndpoints[index] as string;
      withQueueDirectory(runtime.pipeline, join(dir, `sampler-${index}`));
      const config = compileSamplerConfig({ ...setup.env, pipeline: runtime.pipeline });
      const sampler = config.processors[ID.tailSampling];
      if (sampler && setup.decisionWait) sampler.decision_wait = setup.decisionWait;
      waitLongerForSink(config, pipeline);
      setup.tamper?.(config);
      samplerConfig ??= config;
      return start(tiers, "sampler", index, config, runtime.env, addresses, samplerEndpoints[index] as string);
    }),
  );
  const agents = await Promise.all(
    agentAddresses.map(async (addresses, index) => {
      const runtime = runtimePipeline(pipeline, addresses);
      runtime.pipeline.topology.resolver = { static: samplerEndpoints };
      withQueueDirectory(runtime.pipeline, join(dir, `agent-${index}`));
      const config = compileAgentConfig({ ...setup.env, pipeline: runtime.pipeline });
      setup.tamper?.(config);
      agentConfig ??= config;
      const endpoint = (protocol === "grpc" ? addresses.grpc : addresses.http) as string;
      return start(tiers, "agent", index, config, runtime.env, addresses, endpoint);
    }),
  );
  return {
    agents,
    samplers,
    agentAddresses,
    agentConfig: agentConfig as CollectorConfig,
    samplerConfig: samplerConfig as CollectorConfig,
  };
}

function listenAddress(addresses: RuntimeAddresses, index: number): string {
  const endpoint = addresses.grpc ?? addresses.http;
  if (!endpoint) throw new ReplayFailure(`no free port for sampler ${index}`);
  return endpoint;
}

/** Each process has its own queue directory, as each pod has its own volume. */
function withQueueDirectory(pipeline: ResolvedEnvironment["pipeline"], directory: string): void {
  if (pipeline.topology.queue) pipeline.topology.queue = { ...pipeline.topology.queue, directory };
}

async function start(
  { setup, dir, logs, all }: TierRun,
  role: "agent" | "sampler",
  index: number,
  config: CollectorConfig,
  provided: Record<string, string>,
  addresses: RuntimeAddresses,
  endpoint: string,
): Promise<TierProcess> {
  const yaml = renderCollectorYaml(config, {
    ...(setup.provenance ?? { source: "replay", sha256: "0".repeat(64), version: "replay" }),
    environment: `${setup.env.name}, ${role} ${index}`,
  });
  const configFile = join(dir, `${role}-${index}.yaml`);
  await writeFile(configFile, yaml);
  const env = collectorEnvironment(yaml, provided);
  const launch = () => startHealthy(setup.collector, configFile, env, addresses);
  const tier: TierProcess = {
    role,
    index,
    endpoint,
    process: await launch(),
    async restart() {
      // The log of the process that ended is kept: the leak oracle reads every line any process wrote.
      logs.push(tier.process.log());
      tier.process = await launch();
    },
  };
  all.push(tier);
  return tier;
}

function senderOptions(protocol: Protocol, endpoint: string, tls: TlsMaterial | undefined, token: string | undefined) {
  return {
    protocol,
    endpoint,
    ...(tls ? { tls: { ca: tls.ca, cert: tls.sender.cert, key: tls.sender.key } } : {}),
    ...(token ? { token } : {}),
  };
}

/**
 * Batches go to the agents in turn, as a client-side load balancer spreads them; a batch an agent
 * cannot take (it is down) goes to the next one, so a killed agent delays nothing.
 */
function spreadOver(senders: Sender[]): Sender {
  let next = 0;
  return {
    async send(request, spans) {
      const first = next++ % senders.length;
      let outcome = await (senders[first] as Sender).send(request, spans);
      for (let i = 1; i < senders.length && !outcome.ok && outcome.retryable; i++)
        outcome = await (senders[(first + i) % senders.length] as Sender).send(request, spans);
      return outcome;
    },
    close() {
      for (const s of senders) s.close();
    },
  };
}

async function totalUsage(processes: TierProcess[]): Promise<ProcessUsage> {
  const usages = await Promise.all(processes.map((p) => p.process.usage().catch(() => undefined)));
  return usages.reduce<ProcessUsage>(
    (sum, u) => ({
      cpuSeconds: sum.cpuSeconds + (u?.cpuSeconds ?? 0),
      peakRssBytes: sum.peakRssBytes + (u?.peakRssBytes ?? 0),
    }),
    { cpuSeconds: 0, peakRssBytes: 0 },
  );
}
