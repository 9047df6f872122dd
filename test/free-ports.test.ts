import { createServer, type Server } from "node:net";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onFreePorts, startChild, waitUntilReady, type Child } from "../src/process/child.js";

/*
 * Ports are picked free and bound a moment later by another process, so a parallel test can bind one
 * first. These starts lose that race for real: a Node process asked to listen on a port this test holds.
 */

let held: Server;
let heldPort: number;

beforeAll(async () => {
  held = createServer();
  await new Promise<void>((resolve) => held.listen(0, "127.0.0.1", resolve));
  heldPort = (held.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => held.close(() => resolve())));

async function listenerOn(port: number): Promise<Child> {
  const child = startChild({
    name: "listener",
    command: process.execPath,
    args: ["-e", `require("node:net").createServer().listen(${port}, "127.0.0.1", () => console.log("ready"));`],
  });
  let ready = false;
  child.exited.catch(() => {});
  await waitUntilReady(child, "listener", 10_000, async () => {
    ready ||= child.logTail().split("\n").includes("ready");
    return ready;
  });
  return child;
}

describe("a start whose port another process bound first", () => {
  it("is started again on another port, and only then", async () => {
    const ports: number[] = [];
    let undone = 0;
    const child = await onFreePorts(
      async () => {
        const port = ports.length === 0 ? heldPort : await getPort({ host: "127.0.0.1" });
        ports.push(port);
        return listenerOn(port);
      },
      async () => {
        undone++;
      },
    );
    try {
      expect(ports).toHaveLength(2);
      expect(ports[0]).toBe(heldPort);
      expect(ports[1]).not.toBe(heldPort);
      expect(undone).toBe(1);
      expect(child.hasExited()).toBe(false);
    } finally {
      await child.stop();
    }
  });

  it("gives up after three lost races with the loser's own words", async () => {
    let attempts = 0;
    const failure = await onFreePorts(async () => {
      attempts++;
      return listenerOn(heldPort);
    }).catch((error: Error) => error);
    expect(attempts).toBe(3);
    expect(String(failure)).toMatch(/EADDRINUSE/);
  });

  it("is not started again when it failed for another reason", async () => {
    let attempts = 0;
    const failure = await onFreePorts(async () => {
      attempts++;
      return listenerOn(-1);
    }).catch((error: Error) => error);
    expect(attempts).toBe(1);
    expect(String(failure)).toMatch(/ERR_SOCKET_BAD_PORT|RangeError/);
  });
});
