import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

/*
 * Driving the built image with buildah the way the README's deploy section does, with a storage of the
 * test's own (vfs, chroot isolation: what works here without a daemon), and reading what it holds.
 */

/** buildah is part of the deploy path: a test that needs it fails when it is missing. */
export async function requireBuildah(): Promise<void> {
  const found = await execa("buildah", ["--version"], { reject: false });
  if (found.failed) throw new Error("buildah is missing: install Debian's buildah package (npm run setup)");
}

export interface Buildah {
  run(args: string[], options?: { reject?: boolean }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** `buildah run` in the background, inside a network namespace of its own when one is given. */
  spawnRun(args: string[], netns?: string): ChildProcess;
  /** `buildah run` to its end, inside the network namespace. */
  runIn(netns: string, args: string[]): Promise<{ exitCode: number; stderr: string }>;
}

export function buildah(storage: string): Buildah {
  const base = ["--root", join(storage, "root"), "--runroot", join(storage, "run"), "--storage-driver", "vfs"];
  return {
    run: async (args, options) => {
      const r = await execa("buildah", [...base, ...args], { reject: options?.reject ?? true, stdin: "ignore" });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    spawnRun: (args, netns) => {
      const argv = ["buildah", ...base, "run", "--isolation", "chroot", ...args];
      const [command, ...rest] = netns ? ["ip", "netns", "exec", netns, ...argv] : argv;
      return spawn(command!, rest, { stdio: ["ignore", "pipe", "pipe"] });
    },
    runIn: async (netns, args) => {
      const r = await inNetns(netns, "buildah", [...base, "run", "--isolation", "chroot", ...args]);
      return { exitCode: r.exitCode ?? -1, stderr: String(r.stderr) };
    },
  };
}

/** The image's config as the OCI image spec names it (entrypoint, command, user, ports). */
export interface ImageConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  ExposedPorts?: Record<string, object>;
  Env?: string[];
}

export async function imageConfig(b: Buildah, type: "container" | "image", ref: string): Promise<ImageConfig> {
  const { stdout } = await b.run(["inspect", "--type", type, ref]);
  return (JSON.parse(stdout) as { OCIv1: { config: ImageConfig } }).OCIv1.config;
}

/** Neither user 0 nor a user name the image could resolve to root: a numeric id other than 0. */
export function runsAsNonRoot(config: ImageConfig): boolean {
  const user = config.User?.split(":")[0] ?? "";
  return /^[0-9]+$/.test(user) && Number(user) !== 0;
}

/** A loopback-only network namespace, so the baked config's fixed ports collide with nothing here. */
export async function makeNetns(name: string): Promise<() => Promise<void>> {
  await execa("ip", ["netns", "add", name]);
  await execa("ip", ["-n", name, "link", "set", "lo", "up"]);
  return async () => void (await execa("ip", ["netns", "delete", name], { reject: false }));
}

export const inNetns = (netns: string, command: string, args: string[]) =>
  execa("ip", ["netns", "exec", netns, command, ...args], { reject: false, stdin: "ignore" });

/** The first process named `name` below `root` (buildah forks twice before the command runs). */
export async function descendantNamed(root: number, name: string): Promise<number | undefined> {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of await readdir("/proc")) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // comm is in parentheses and may hold spaces; the parent pid is the second field after it.
    const m = /^\d+ \((.*)\) \S+ (\d+)/s.exec(stat);
    if (!m) continue;
    names.set(Number(entry), m[1]!);
    parents.set(Number(entry), Number(m[2]));
  }
  const below = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true;
    return false;
  };
  return [...names].find(([pid, comm]) => comm === name && below(pid))?.[0];
}

/** The real user id a process runs as, from the kernel (chroot isolation maps no user ids). */
export async function realUid(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
  if (uid === undefined) throw new Error(`no Uid line in /proc/${pid}/status`);
  return Number(uid);
}

export interface Layer {
  /** Where its files were unpacked. */
  dir: string;
  /** The layer as stored in the archive (a tar file, compressed or not). */
  blob: string;
}

/**
 * Every file of every layer of an OCI archive, unpacked with tar into `dir` (one folder per layer), so a
 * scan reads exactly the bytes a registry would serve.
 */
export async function unpackLayers(archive: string, dir: string): Promise<Layer[]> {
  const oci = join(dir, "oci");
  await mkdir(oci, { recursive: true });
  await execa("tar", ["-xf", archive, "-C", oci]);
  const blob = (digest: string) => join(oci, "blobs", ...digest.split(":"));
  const index = JSON.parse(await readFile(join(oci, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
  const layers: Layer[] = [];
  for (const m of index.manifests) {
    const manifest = JSON.parse(await readFile(blob(m.digest), "utf8")) as { layers: Array<{ digest: string }> };
    for (const layer of manifest.layers) {
      const into = join(dir, "layers", layer.digest.replace(":", "-"));
      await mkdir(into, { recursive: true });
      // --no-same-owner/--no-same-permissions: the files are only read here; owners do not matter.
      await execa("tar", ["-xf", blob(layer.digest), "-C", into, "--no-same-owner", "--no-same-permissions"]);
      layers.push({ dir: into, blob: blob(layer.digest) });
    }
  }
  return layers;
}

export interface SecretHit {
  file: string;
  what: string;
}

/** A PEM private key block with a body, not the bare marker strings a TLS library holds. */
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/=\s]{40,}-----END [A-Z ]*PRIVATE KEY-----/;

/**
 * Reads every regular file under the unpacked layers and reports where a named secret value or any
 * PEM private key appears (names only, never the values).
 */
export async function scanForSecrets(layers: Layer[], secrets: Record<string, string>): Promise<SecretHit[]> {
  const hits: SecretHit[] = [];
  for (const { dir: layer } of layers) {
    for (const entry of await readdir(layer, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      const bytes = await readFile(path);
      const file = path.slice(layer.length);
      for (const [what, value] of Object.entries(secrets)) if (bytes.includes(value)) hits.push({ file, what });
      if (PEM_PRIVATE_KEY.test(bytes.toString("latin1"))) hits.push({ file, what: "PEM private key" });
    }
  }
  return hits;
}

/** Each entry of a layer as its tar header says: path, numeric owner and mode, what a container will see. */
export async function layerEntries(layer: Layer): Promise<Array<{ path: string; owner: string; mode: string }>> {
  const { stdout } = await execa("tar", ["-tvf", layer.blob, "--numeric-owner"]);
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [mode, owner, , , , ...rest] = line.split(/\s+/);
      return { path: `/${rest.join(" ").replace(/\/$/, "")}`, owner: owner!, mode: mode! };
    });
}

/** The base64 body of a PEM file: what a copy of the key would contain even without its header lines. */
export const pemBody = (pem: string): string =>
  pem
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"))
    .join("\n");
