import { describe, expect, it } from "vitest";
import {
  EndpointError,
  envVariable,
  formatHostPort,
  hostOf,
  isLoopback,
  isLoopbackHost,
  isWildcardHost,
  parseEndpoint,
  parseHostPort,
  portOf,
} from "../src/endpoint/endpoint.js";

describe("parseEndpoint", () => {
  it("reads a name, an IPv4 address and no host", () => {
    expect(parseEndpoint("localhost:4317")).toEqual({ host: "localhost", port: 4317 });
    expect(parseEndpoint("10.0.0.7:8888")).toEqual({ host: "10.0.0.7", port: 8888 });
    expect(parseEndpoint(":4318")).toEqual({ host: "", port: 4318 });
  });

  it("takes IPv6 hosts in brackets and holds them without", () => {
    expect(parseEndpoint("[::1]:4317")).toEqual({ host: "::1", port: 4317 });
    expect(parseEndpoint("[fe80::1:2]:9")).toEqual({ host: "fe80::1:2", port: 9 });
    expect(parseEndpoint("[::]:0")).toEqual({ host: "::", port: 0 });
  });

  it("refuses an IPv6 host without brackets, a missing port and stray brackets", () => {
    for (const text of ["::1:4317", "localhost", "localhost:", "[::1]", "[::1:4317", "a]:1", "host:port"])
      expect(() => parseEndpoint(text), text).toThrow(EndpointError);
  });

  it("refuses ports past 65535 and accepts the edges", () => {
    expect(parseEndpoint("localhost:65535")).toEqual({ host: "localhost", port: 65535 });
    expect(parseEndpoint("localhost:0")).toEqual({ host: "localhost", port: 0 });
    expect(() => parseEndpoint("localhost:65536")).toThrow(/past 65535/);
    expect(() => parseEndpoint("[::1]:99999")).toThrow(/past 65535/);
    expect(() => parseEndpoint("localhost:-1")).toThrow(EndpointError);
  });

  it("reads an ${env:VAR} as the variable, and parseHostPort refuses it", () => {
    expect(parseEndpoint("${env:JAEGER_ENDPOINT}")).toEqual({ env: "JAEGER_ENDPOINT" });
    expect(envVariable("${env:_A1}")).toBe("_A1");
    for (const text of ["${env:1A}", "${env:A-B}", "$env:A", "${env:A}:4317", "${A}"])
      expect(envVariable(text), text).toBeUndefined();
    expect(() => parseHostPort("${env:JAEGER_ENDPOINT}")).toThrow(/only known where the collector runs/);
  });
});

describe("formatHostPort", () => {
  it("brackets IPv6 hosts again, so format inverts parse", () => {
    for (const text of ["localhost:4317", "[::1]:4317", "[fe80::1:2]:9", ":4318", "127.0.0.1:0"])
      expect(formatHostPort(parseHostPort(text))).toBe(text);
  });
});

describe("loopback and wildcard", () => {
  it("knows localhost, all of 127/8 and ::1 as loopback, bracketed or not", () => {
    for (const text of ["localhost:1", "LocalHost:1", "127.0.0.1:1", "127.1.2.3:4317", "[::1]:4317"])
      expect(isLoopback(text), text).toBe(true);
    for (const host of ["localhost", "127.0.0.1", "::1", "[::1]"]) expect(isLoopbackHost(host), host).toBe(true);
  });

  it("is not loopback for other hosts, every interface, env references or nonsense", () => {
    for (const text of [
      "0.0.0.0:4317",
      ":4317",
      "[::]:4317",
      "10.0.0.1:4317",
      "128.0.0.1:1",
      "127.0.0:1",
      "localhost.example.com:1",
      "[::2]:1",
      "::1:4317",
      "${env:ENDPOINT}",
    ])
      expect(isLoopback(text), text).toBe(false);
  });

  it("knows every interface as none, 0.0.0.0 or ::", () => {
    for (const host of ["", "0.0.0.0", "::", "[::]"]) expect(isWildcardHost(host), host).toBe(true);
    for (const host of ["localhost", "::1", "127.0.0.1"]) expect(isWildcardHost(host), host).toBe(false);
  });

  it("splits host and port text without judging the port, and gives nothing for an env reference", () => {
    expect([hostOf("[::1]:4317"), portOf("[::1]:4317")]).toEqual(["::1", "4317"]);
    expect([hostOf("${env:X}"), portOf("${env:X}")]).toEqual([undefined, undefined]);
  });
});
