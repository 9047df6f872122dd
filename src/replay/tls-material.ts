import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import type { ServerFiles } from "../collector/runtime/addresses.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import type { SinkTls } from "./sink.js";

/** PEM files of one throwaway CA and the certificates a replay needs, all signed by that CA. */
export interface TlsMaterial {
  caFile: string;
  ca: Buffer;
  /** The collector's: served on its receivers and Prometheus endpoint, presented to Jaeger under mTLS. */
  collector: KeyPair;
  /** The sink's, standing where Jaeger would. */
  sink: KeyPair;
  /** The harness's as a sending service, for receivers that require client certificates. */
  sender: KeyPair;
}

export interface KeyPair {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/** The collector's certificate and the CA it trusts, as its config names them. */
export const collectorFiles = (tls: TlsMaterial): ServerFiles => ({
  caFile: tls.caFile,
  certFile: tls.collector.certFile,
  keyFile: tls.collector.keyFile,
});

/** The sink serves TLS as the environment asks of Jaeger: client certificates and minimum version included. */
export function sinkTls(tls: TlsMaterial, settings: Exclude<ResolvedPipeline["tls"], "off">): SinkTls {
  return {
    ca: tls.ca,
    cert: tls.sink.cert,
    key: tls.sink.key,
    requireClientCert: settings.client_auth === "required",
    minVersion: settings.min_version === "1.2" ? "TLSv1.2" : "TLSv1.3",
  };
}

/** A new unencrypted P-256 key with the request: generated instantly, and accepted by every TLS stack here. */
const NEW_P256_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/**
 * Made with the `openssl` CLI at run time and valid for a day: nothing secret is ever
 * committed, and every replay has its own CA. P-256 keys, because they are generated
 * instantly; every leaf may serve and authenticate as a client, for 127.0.0.1 and localhost.
 */
export async function makeTlsMaterial(dir: string): Promise<TlsMaterial> {
  const caKey = join(dir, "ca-key.pem");
  const caFile = join(dir, "ca.pem");
  await openssl([
    "req",
    "-x509",
    ...NEW_P256_KEY,
    "-keyout",
    caKey,
    "-out",
    caFile,
    "-days",
    "1",
    "-subj",
    "/CN=tracegen replay CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  const extensions = join(dir, "leaf.ext");
  await writeFile(
    extensions,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth,clientAuth",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ].join("\n"),
  );
  const leaf = async (name: string): Promise<KeyPair> => {
    const keyFile = join(dir, `${name}-key.pem`);
    const certFile = join(dir, `${name}.pem`);
    const csr = join(dir, `${name}.csr`);
    await openssl([
      "req",
      "-new",
      ...NEW_P256_KEY,
      "-keyout",
      keyFile,
      "-out",
      csr,
      "-subj",
      `/CN=tracegen replay ${name}`,
    ]);
    await openssl([
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      caFile,
      "-CAkey",
      caKey,
      "-set_serial",
      `0x${randomSerial()}`,
      "-days",
      "1",
      "-extfile",
      extensions,
      "-out",
      certFile,
    ]);
    return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
  };
  const [collector, sink, sender] = await Promise.all([leaf("collector"), leaf("sink"), leaf("sender")]);
  return { caFile, ca: await readFile(caFile), collector, sink, sender };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execa("openssl", args, { stdin: "ignore" });
  } catch (error) {
    const e = error as { code?: string; stderr?: string; message: string };
    if (e.code === "ENOENT") throw new Error("the `openssl` command is needed to make the replay's certificates");
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

const randomSerial = (): string =>
  Array.from({ length: 16 }, (_, i) =>
    (i === 0 ? 1 + Math.floor(Math.random() * 7) : Math.floor(Math.random() * 16)).toString(16),
  ).join("");
