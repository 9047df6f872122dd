import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { parseHostPort } from "../endpoint/endpoint.js";

/** One sample of the Prometheus text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the text exposition format (and the OpenMetrics variant the exporter may serve):
 * comments and exemplars are skipped; quoted metric names (UTF-8 names) are understood.
 */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    let i = 0;
    let name = "";
    if (line[0] !== "{") {
      const m = /^[^\s{]+/.exec(line)!;
      name = m[0];
      i = name.length;
    }
    const labels: Record<string, string> = {};
    if (line[i] === "{") {
      i++;
      while (i < line.length && line[i] !== "}") {
        let key: string;
        if (line[i] === '"') {
          const q = quoted(line, i);
          key = q.value;
          i = q.end;
        } else {
          const m = /^[^=,}\s]+/.exec(line.slice(i))!;
          key = m[0];
          i += key.length;
        }
        while (line[i] === " ") i++;
        if (line[i] === "=") {
          i++;
          const q = quoted(line, i);
          labels[key] = q.value;
          i = q.end;
        } else if (name === "") {
          name = key; // {"metric.name", label="..."}
        }
        while (line[i] === "," || line[i] === " ") i++;
      }
      i++;
    }
    const rest = line.slice(i).trim().split(/\s+/);
    const value = Number(rest[0] === "+Inf" ? Infinity : rest[0] === "-Inf" ? -Infinity : rest[0]);
    samples.push({ name, labels, value });
  }
  return samples;
}

function quoted(line: string, start: number): { value: string; end: number } {
  let i = start + 1;
  let value = "";
  while (i < line.length && line[i] !== '"') {
    if (line[i] === "\\") {
      const next = line[i + 1];
      value += next === "n" ? "\n" : (next ?? "");
      i += 2;
    } else value += line[i++];
  }
  return { value, end: i + 1 };
}

export interface ScrapeTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export function scrape(endpoint: string, tls: ScrapeTls | undefined): Promise<string> {
  const { host, port } = parseHostPort(endpoint);
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(
      {
        host,
        port,
        path: "/metrics",
        method: "GET",
        timeout: 5000,
        ...(tls ? { ...tls, servername: "localhost" } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks).toString("utf8"))
            : reject(new Error(`GET /metrics answered ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("GET /metrics timed out")));
    req.end();
  });
}

/**
 * The span metrics connector's duration histogram counts every span it saw. Its `calls`
 * counter would too, but the connector reports each new series at 0 for one flush interval
 * (so Prometheus sees the series start), which would double the wait.
 */
export const isSpanCountMetric = (name: string): boolean => /span[._]?metrics.*duration.*_count$/.test(name);

export const countedSpans = (samples: readonly Sample[]): number =>
  samples.filter((s) => isSpanCountMetric(s.name)).reduce((n, s) => n + s.value, 0);
