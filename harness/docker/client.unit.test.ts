// Where the engine is decides where servers' ports are published and reached.
import { describe, expect, it } from "vitest";
import { gatewayOf, locateEngine } from "./client.ts";

const here = ["127.0.0.1", "192.0.2.2", "172.17.0.1"];

describe("locateEngine", () => {
  it.each([
    ["no DOCKER_HOST, not in a container", { inContainer: false, ownAddresses: here }, { kind: "local" }],
    ["the socket, in a container that runs the engine itself", { inContainer: true, bridgeGateway: "172.17.0.1", ownAddresses: here }, { kind: "local" }],
    [
      "the host's socket mounted into a job container",
      { dockerHost: "unix:///var/run/docker.sock", inContainer: true, bridgeGateway: "172.17.0.1", routeGateway: "172.18.0.1", ownAddresses: ["127.0.0.1", "172.18.0.2"] },
      { kind: "gateway", address: "172.18.0.1" },
    ],
    ["the host's network (--network host)", { inContainer: true, bridgeGateway: "172.17.0.1", routeGateway: "192.0.2.1", ownAddresses: here }, { kind: "local" }],
    ["docker:dind in GitLab", { dockerHost: "tcp://docker:2375", inContainer: true, ownAddresses: here }, { kind: "remote", host: "docker" }],
    ["an engine on another machine", { dockerHost: "tcp://build-host.example:2376", inContainer: false, ownAddresses: here }, { kind: "remote", host: "build-host.example" }],
    ["tcp on loopback", { dockerHost: "tcp://127.0.0.1:2375", inContainer: true, ownAddresses: here }, { kind: "local" }],
    ["tcp to localhost", { dockerHost: "tcp://localhost:2375", inContainer: false, ownAddresses: here }, { kind: "local" }],
  ])("%s", (_, input, expected) => {
    expect(locateEngine(input)).toEqual(expected);
  });
});

describe("gatewayOf", () => {
  it("the configured gateway, else the subnet's first address (Docker's default)", () => {
    expect(gatewayOf({ Config: [{ Subnet: "172.17.0.0/16", Gateway: "172.17.0.254" }] })).toBe("172.17.0.254");
    expect(gatewayOf({ Config: [{ Subnet: "172.17.0.0/16" }] })).toBe("172.17.0.1");
    expect(gatewayOf({ Config: [{ Subnet: "10.1.2.128/25" }] })).toBe("10.1.2.129");
    expect(gatewayOf({ Config: [] })).toBeUndefined();
  });
});
