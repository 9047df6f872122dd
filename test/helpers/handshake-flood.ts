import { connect } from "node:net";
import { parseHostPort } from "../../src/endpoint/endpoint.js";

/**
 * `count` failed TLS handshakes, 100 at a time: plain-text HTTP requests to a TLS port, the
 * cheapest failure there is (no key exchange on either side).
 */
export async function failHandshakes(address: string, count: number): Promise<void> {
  const { host, port } = parseHostPort(address);
  const one = () =>
    new Promise<void>((resolve) => {
      const socket = connect(port, host, () => socket.write("POST /v1/traces HTTP/1.1\r\nHost: x\r\n\r\n"));
      socket.on("data", () => socket.destroy());
      socket.on("error", () => resolve());
      socket.on("close", () => resolve());
    });
  for (let done = 0; done < count; done += 100)
    await Promise.all(Array.from({ length: Math.min(100, count - done) }, one));
}
