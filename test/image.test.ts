import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { chmod, chown, copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { collectorArgs } from "../src/collector/run-args.js";
import { makeTlsMaterial, type TlsMaterial } from "../src/replay/tls-material.js";
import { eventually } from "./helpers/eventually.js";
import {
  buildah,
  descendantNamed,
  imageConfig,
  inNetns,
  layerEntries,
  makeNetns,
  pemBody,
  realUid,
  requireBuildah,
  runsAsNonRoot,
  scanForSecrets,
  unpackLayers,
  type Buildah,
  type Layer,
} from "./helpers/image.js";
import { repoPath } from "./helpers/repo.js";

/*
 * The image `npm run image:build -- --env prod` makes, checked as it ships: the OCI archive, opened with
 * buildah, run from its own entrypoint and CMD with the TLS material and token mounted as the README's
 * deploy section says, and probed from outside with curl.
 */

const ARCHIVE = repoPath("build/otelcol-shop-image.oci.tar");
const CONFIG = "/etc/otelcol-shop/config.yaml";
const IMAGE_USER = 10001;

let dir: string;
let b: Buildah;
let container: string;
let tls: TlsMaterial;
let netns: string;
let dropNetns: (() => Promise<void>) | undefined;
const token = randomBytes(24).toString("hex");
const pseudonymKey = randomBytes(32).toString("hex");
const runEnv = ["-e", `TRACEGEN_PSEUDONYM_KEY=${pseudonymKey}`, "-e", "JAEGER_OTLP_ENDPOINT=127.0.0.1:1"];
let mounts: string[];

beforeAll(async () => {
  await requireBuildah();
  // Skipped by its stamp when nothing changed since CI's setup built it.
  await execa("bash", [repoPath("scripts/build-image.sh"), "--env", "prod"], { stdin: "ignore" });
  dir = await mkdtemp(join(tmpdir(), "tracegen-image-"));
  b = buildah(join(dir, "storage"));
  container = (await b.run(["from", "--quiet", `oci-archive:${ARCHIVE}`])).stdout.trim();
  await mkdir(join(dir, "tls-made"));
  tls = await makeTlsMaterial(join(dir, "tls-made"));
  // What a deployment mounts: the collector's certificate and key, the CA, the token; the key and the token
  // readable by the image's user only.
  const mountedTls = join(dir, "tls");
  const secrets = join(dir, "secrets");
  await mkdir(mountedTls);
  await mkdir(secrets);
  await copyFile(tls.caFile, join(mountedTls, "ca.pem"));
  await copyFile(tls.collector.certFile, join(mountedTls, "collector.pem"));
  await copyFile(tls.collector.keyFile, join(mountedTls, "collector-key.pem"));
  await writeFile(join(secrets, "ingest-token"), token);
  for (const secret of [join(mountedTls, "collector-key.pem"), join(secrets, "ingest-token")]) {
    await chown(secret, IMAGE_USER, IMAGE_USER);
    await chmod(secret, 0o400);
  }
  mounts = ["-v", `${mountedTls}:/etc/tracegen/tls:ro`, "-v", `${secrets}:/etc/tracegen/secrets:ro`];
  netns = `tracegen-image-${process.pid}`;
  dropNetns = await makeNetns(netns);
}, 600_000);

afterAll(async () => {
  await dropNetns?.();
  if (dir) {
    await b?.run(["rm", "--all"], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
});

describe("the otelcol-shop image (prod config)", () => {
  it("runs the collector as a non-root user, with the baked config as CMD and the OTLP, metrics and health ports exposed", async () => {
    const config = await imageConfig(b, "container", container);
    expect(runsAsNonRoot(config), `User ${config.User}`).toBe(true);
    expect(config.User).toBe(`${IMAGE_USER}:${IMAGE_USER}`);
    expect(config.Entrypoint).toEqual(["/otelcol-shop"]);
    expect(config.Cmd).toEqual(collectorArgs(CONFIG));
    expect(Object.keys(config.ExposedPorts ?? {}).sort()).toEqual(["13133/tcp", "4317/tcp", "4318/tcp", "8889/tcp"]);
  });

  it("validates its baked config with otelcol-shop inside the image, and refuses a broken one mounted over it", async () => {
    const run = (extra: string[]) =>
      b.run(
        [
          "run",
          "--isolation",
          "chroot",
          ...runEnv,
          ...extra,
          container,
          "--",
          "/otelcol-shop",
          "validate",
          `--config=${CONFIG}`,
        ],
        {
          reject: false,
        },
      );
    const baked = await run([]);
    expect(baked.exitCode, baked.stderr).toBe(0);
    const broken = join(dir, "broken.yaml");
    const yaml = await readFile(repoPath("configs/prod/collector.yaml"), "utf8");
    await writeFile(broken, yaml.replace("processors:\n", "processors:\n  no_such_processor: {}\n"));
    const refused = await run(["-v", `${broken}:${CONFIG}:ro`]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain("no_such_processor");
  });

  it("started from its own entrypoint and CMD: answers the health probe, takes OTLP over mTLS with the token only, runs as its user, stops on SIGTERM", async () => {
    const config = await imageConfig(b, "container", container);
    const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
    const probe = () => b.runIn(netns, [container, "--", "/healthprobe"]);
    expect((await probe()).exitCode, "the image's probe before the collector runs").toBe(1);

    const child = b.spawnRun([...mounts, ...runEnv, container, "--", ...argv], netns);
    let log = "";
    child.stdout!.on("data", (c: Buffer) => (log += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await eventually("the health_check extension answering 200", 20_000, async () => {
        const r = await inNetns(netns, "curl", [
          "-s",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          "http://localhost:13133/",
        ]);
        return r.stdout === "200" ? true : undefined;
      });
      const healthy = await probe();
      expect(healthy.exitCode, `${healthy.stderr}\n${log.slice(-2000)}`).toBe(0);

      const collector = await descendantNamed(child.pid!, "otelcol-shop");
      expect(collector, "the collector process below buildah run").toBeDefined();
      expect(await realUid(collector!)).toBe(IMAGE_USER);

      const send = (authorization: string, clientCert: boolean) =>
        inNetns(netns, "curl", [
          "-sS",
          "--max-time",
          "10",
          "-w",
          "\n%{http_code}",
          "--cacert",
          tls.caFile,
          ...(clientCert ? ["--cert", tls.sender.certFile, "--key", tls.sender.keyFile] : []),
          "-H",
          `authorization: ${authorization}`,
          "-H",
          "content-type: application/json",
          "--data-binary",
          JSON.stringify(otlpJson()),
          "https://localhost:4318/v1/traces",
        ]);
      const accepted = await send(`Bearer ${token}`, true);
      expect(accepted.stdout.split("\n").at(-1), accepted.stdout + accepted.stderr).toBe("200");
      expect(accepted.stdout).toContain("partialSuccess");
      const wrongToken = await send("Bearer not-the-token", true);
      expect(wrongToken.stdout.split("\n").at(-1)).toBe("401");
      const noClientCert = await send(`Bearer ${token}`, false);
      expect(noClientCert.exitCode, "the handshake without a client certificate").not.toBe(0);

      const stoppedAt = Date.now();
      process.kill(collector!, "SIGTERM");
      const outcome = await Promise.race([exited, sleep(10_000).then(() => "still running" as const)]);
      expect(outcome, log.slice(-2000)).not.toBe("still running");
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
      expect(log).toContain("Shutdown complete.");
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("holds the binary `npm run collector:build` made and the environment's config, owned by root and read-only to its user", async () => {
    const [layer] = await unpacked();
    const sha = async (file: string) =>
      createHash("sha256")
        .update(await readFile(file))
        .digest("hex");
    expect(await sha(join(layer!.dir, "otelcol-shop"))).toBe(await sha(repoPath("build/otelcol-shop")));
    expect(await readFile(join(layer!.dir, CONFIG), "utf8")).toBe(
      await readFile(repoPath("configs/prod/collector.yaml"), "utf8"),
    );
    const entries = await layerEntries(layer!);
    expect(entries.length).toBeGreaterThan(5);
    for (const e of entries) {
      expect(e.owner, e.path).toBe("0/0");
      // Nothing the collector's user could change: no write bit for group or others.
      expect(e.mode.slice(5, 6) + e.mode.slice(8, 9), `${e.path} ${e.mode}`).toBe("--");
    }
  });

  it("holds no secret: no token, key or PEM private key in any layer, where a variant with them planted is caught", async () => {
    const secrets = {
      "ingest token": token,
      "pseudonym key": pseudonymKey,
      "collector key": pemBody(tls.collector.key.toString()),
      "CA key": pemBody(await readFile(join(dir, "tls-made", "ca-key.pem"), "utf8")),
    };
    const layers = await unpacked();
    expect(layers.length).toBeGreaterThan(0);
    // The scan read the files that matter, so an empty result means something.
    const listed = await execa("find", [...layers.map((l) => l.dir), "-type", "f", "-printf", "/%P\\n"]);
    expect(listed.stdout.split("\n").sort()).toEqual([
      "/etc/group",
      "/etc/otelcol-shop/config.yaml",
      "/etc/passwd",
      "/etc/ssl/certs/ca-certificates.crt",
      "/healthprobe",
      "/otelcol-shop",
    ]);
    expect(await scanForSecrets(layers, secrets)).toEqual([]);

    // The same context with the token and key copied in, built as root: every check must see it.
    const context = join(dir, "bad-context");
    await cp(repoPath("build/image-context"), context, { recursive: true });
    await writeFile(join(context, "ingest-token"), token);
    await copyFile(tls.collector.keyFile, join(context, "collector-key.pem"));
    const containerfile = (await readFile(repoPath("Containerfile"), "utf8"))
      .replace(/^USER .*$/m, "USER 0:0")
      .replace(/^ENTRYPOINT /m, "COPY ingest-token collector-key.pem /etc/tracegen/secrets/\nENTRYPOINT ");
    await writeFile(join(context, "Containerfile"), containerfile);
    await b.run([
      "bud",
      "--isolation",
      "chroot",
      "--quiet",
      "-f",
      join(context, "Containerfile"),
      "-t",
      "localhost/bad:test",
      context,
    ]);
    const badArchive = join(dir, "bad.oci.tar");
    await b.run(["push", "--quiet", "localhost/bad:test", `oci-archive:${badArchive}:bad:test`]);
    expect(runsAsNonRoot(await imageConfig(b, "image", "localhost/bad:test"))).toBe(false);
    const hits = await scanForSecrets(await unpackLayers(badArchive, join(dir, "bad-unpacked")), secrets);
    expect(hits).toEqual(
      expect.arrayContaining([
        { file: "/etc/tracegen/secrets/ingest-token", what: "ingest token" },
        { file: "/etc/tracegen/secrets/collector-key.pem", what: "collector key" },
        { file: "/etc/tracegen/secrets/collector-key.pem", what: "PEM private key" },
      ]),
    );
  }, 180_000);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let unpacking: Promise<Layer[]> | undefined;
/** The archive's layers, unpacked once for the tests that read them. */
const unpacked = () => (unpacking ??= unpackLayers(ARCHIVE, join(dir, "unpacked")));

/** One span in OTLP/JSON, as any OTLP/HTTP client may send it. */
const otlpJson = () => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "image-smoke" } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: randomBytes(16).toString("hex"),
              spanId: randomBytes(8).toString("hex"),
              name: "smoke",
              kind: 2,
              startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
              endTimeUnixNano: String(BigInt(Date.now() + 5) * 1_000_000n),
            },
          ],
        },
      ],
    },
  ],
});
