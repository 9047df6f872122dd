import { describe, expect, it } from "vitest";
import { SEMCONV_ALLOWED, SEMCONV_VERSION } from "../src/masking/semconv-allowlist.js";
import { readRepoFile } from "./helpers/repo.js";

/*
 * The generated semantic-conventions part of the allow list (scripts/semconv-allowlist.ts) holds to the
 * rule the script states: only types that cannot hold free text, nothing that locates or identifies a person.
 */
describe("the semantic-conventions allow list", () => {
  const types = new Map(SEMCONV_ALLOWED.map(([name, type]) => [name, type]));

  it("is pinned to a release of the registry, which the README names", async () => {
    expect(SEMCONV_VERSION).toMatch(/^v1\.\d+\.\d+$/);
    expect(await readRepoFile("README.md")).toContain(`semantic-conventions ${SEMCONV_VERSION}`);
  });

  it("holds only booleans, numbers and enums, each name once, in order", () => {
    expect(new Set(types.values())).toEqual(new Set(["boolean", "int", "double", "int[]", "enum"]));
    const names = SEMCONV_ALLOWED.map(([name]) => name);
    expect(names).toEqual([...new Set(names)].sort());
  });

  it("carries the attributes the shop's spans are read by, with their registry types", () => {
    expect(types.get("http.response.status_code")).toBe("int");
    expect(types.get("http.request.method")).toBe("enum");
    expect(types.get("messaging.system")).toBe("enum");
    expect(types.get("db.system.name")).toBe("enum");
    expect(types.get("server.port")).toBe("int");
    expect(types.get("http.status_code")).toBe("int"); // deprecated, still sent by older instrumentation
  });

  it("leaves out free text, coordinates and user ids", () => {
    for (const name of [
      "url.full",
      "user.id",
      "user.email",
      "client.address",
      "server.address",
      "http.route",
      "exception.message",
      "geo.location.lat",
      "geo.location.lon",
      "process.user.id",
      "process.real_user.id",
      "http.request.header",
    ])
      expect(types.has(name), name).toBe(false);
  });
});
