// Where the engine is decides where servers' ports are published and reached.
import { describe, expect, it } from "vitest";
import { gatewayOf, keepRyukOff, locateEngine, localAddressesOf } from "./client.ts";

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

describe("this machine's own addresses", () => {
  // /proc/net/fib_trie as read here: docker0 (172.17.0.1) was down, so Node's
  // networkInterfaces() did not list it, and the engine looked remote.
  const fibTrie = `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
     |-- 172.17.0.0
        /16 link UNICAST
           |-- 172.17.0.1
              /32 host LOCAL
     |-- 192.0.2.0
        /24 link UNICAST
           |-- 192.0.2.2
              /32 host LOCAL
           |-- 192.0.2.255
              /32 link BROADCAST
`;
  it("include an interface that is down, from the kernel's LOCAL routes", () => {
    expect(localAddressesOf(fibTrie).sort()).toEqual(["127.0.0.1", "172.17.0.1", "192.0.2.2"]);
  });
  it("make the engine local when its bridge is ours, even with the bridge down", () => {
    const ownAddresses = ["127.0.0.1", "192.0.2.2", ...localAddressesOf(fibTrie)];
    expect(locateEngine({ inContainer: true, bridgeGateway: "172.17.0.1", routeGateway: "192.0.2.1", ownAddresses })).toEqual({ kind: "local" });
  });
});

describe("keepRyukOff", () => {
  it("turns testcontainers' Ryuk off whatever images are present; only the user's own setting turns it on", () => {
    const unset: NodeJS.ProcessEnv = {};
    keepRyukOff(unset);
    expect(unset.TESTCONTAINERS_RYUK_DISABLED).toBe("true");
    const on: NodeJS.ProcessEnv = { TESTCONTAINERS_RYUK_DISABLED: "false" };
    keepRyukOff(on);
    expect(on.TESTCONTAINERS_RYUK_DISABLED).toBe("false");
  });
});
