/** The connection composition root: which hypervisor an input opens, and the resource id it gets. */
import { QmpHypervisor } from "../../provider/backend/qmp/hypervisor";
import { connectionFromId, openHypervisor, readWithin, rereadAfterLoss, resourceId, withHypervisor, type ConnectionSpec } from "../../provider/connect";
import { ProviderError } from "../../provider/errors";
import { startFakeQemu } from "./backend/qmp/fake-qemu";
import { EARLY_MS, MARGIN_MS } from "../fakes/raw-peer";

const UUID = "4f1c8a3e-0000-4000-8000-000000000001";

describe("resourceId", () => {
  const cases: Record<string, { spec: ConnectionSpec; uuid: string; id: string }> = {
    "libvirt: URI and domain UUID": { spec: { libvirt: { uri: "qemu:///system", domain: "web01" }, guestAgent: "optional" }, uuid: UUID, id: `qemu:///system#${UUID}` },
    "qmp socket: endpoint and UUID": { spec: { qmp: { socket: "/run/q.sock" }, guestAgent: "off" }, uuid: UUID, id: `qmp:/run/q.sock#${UUID}` },
    "qmp tcp: host:port and UUID": { spec: { qmp: { host: "kvm1", port: 4444 }, guestAgent: "off" }, uuid: UUID, id: `qmp:kvm1:4444#${UUID}` },
    "qmp without -uuid: the endpoint id is the id": { spec: { qmp: { socket: "/run/q.sock" }, guestAgent: "off" }, uuid: "qmp:/run/q.sock", id: "qmp:/run/q.sock" },
    "qmp over ssh: user, host, port and the far socket": {
      spec: { qmp: { ssh: { host: "pve1", port: 2222 }, socket: "/var/run/qemu-server/101.qmp" }, guestAgent: "off" }, uuid: UUID, id: `qmp:ssh://root@pve1:2222/var/run/qemu-server/101.qmp#${UUID}`,
    },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(resourceId(c.spec, c.uuid)).toBe(c.id);
  });
});

describe("connectionFromId (VmCpu.get)", () => {
  const cases: Record<string, { id: string; conn: unknown }> = {
    "qmp socket": { id: `qmp:/run/q.sock#${UUID}`, conn: { qmp: { socket: "/run/q.sock" } } },
    "qmp over ssh": { id: `qmp:ssh://admin@pve1:2222/var/run/qemu-server/101.qmp#${UUID}`, conn: { qmp: { socket: "/var/run/qemu-server/101.qmp", ssh: { host: "pve1", user: "admin", port: 2222 } } } },
    "qmp over ssh, defaults": { id: `qmp:ssh://pve1/var/run/qemu-server/101.qmp#${UUID}`, conn: { qmp: { socket: "/var/run/qemu-server/101.qmp", ssh: { host: "pve1" } } } },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(connectionFromId(c.id)).toEqual(c.conn);
  });
});

describe("readWithin (the preview's bounded read)", () => {
  test("a VM that does not answer in time: undefined, and the connection is closed then, not at the call timeout", async () => {
    const { server } = await startFakeQemu(4, 2);
    server.handle("query-status", () => ({ none: true }));
    const closing = jest.spyOn(QmpHypervisor.prototype, "close");
    try {
      const started = Date.now();
      expect(await readWithin({ qmp: { socket: server.path }, guestAgent: "off" }, 200)).toBeUndefined();
      expect(Date.now() - started).toBeGreaterThanOrEqual(200 - EARLY_MS);
      expect(closing).toHaveBeenCalled();
      await closing.mock.results[0]!.value;
      expect(Date.now() - started).toBeLessThanOrEqual(200 + MARGIN_MS);
    } finally {
      closing.mockRestore();
      await server.close();
    }
  });

  test("a VM that answers: its live state", async () => {
    const { server } = await startFakeQemu(4, 2);
    try {
      expect(await readWithin({ qmp: { socket: server.path }, guestAgent: "off" }, 5000)).toMatchObject({ backend: "qmp", running: { vcpus: 2 } });
    } finally {
      await server.close();
    }
  });
});

describe("rereadAfterLoss (after a connection died half-way)", () => {
  test("nothing to connect to: tries again until the bound, then undefined", async () => {
    const started = Date.now();
    expect(await rereadAfterLoss({ qmp: { socket: "/nonexistent/qmp.sock" }, guestAgent: "off" }, 700)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(700 - EARLY_MS);
    expect(Date.now() - started).toBeLessThanOrEqual(700 + MARGIN_MS);
  });

  test("a VM that comes back within the bound: its live state", async () => {
    const { server } = await startFakeQemu(4, 3);
    try {
      expect(await rereadAfterLoss({ qmp: { socket: server.path }, guestAgent: "off" }, 5000)).toMatchObject({ running: { vcpus: 3 } });
    } finally {
      await server.close();
    }
  });
});

describe("openHypervisor / withHypervisor", () => {
  test("no connection at all: INVALID_INPUT", async () => {
    await expect(openHypervisor({ guestAgent: "off" })).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });

  test("an unreachable libvirt: CONNECTION_FAILED, fn never runs", async () => {
    const fn = jest.fn();
    const err = await withHypervisor({ libvirt: { uri: "qemu+unix:///system?socket=/nonexistent/libvirt-sock", domain: "web01" }, guestAgent: "off" }, fn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("CONNECTION_FAILED");
    expect(fn).not.toHaveBeenCalled();
  });

  /** Runs `fn` with a fresh fake QEMU (one per test: the fake, like QEMU, greets one client at a time). */
  async function withFakeQemu(fn: (spec: ConnectionSpec) => Promise<void>): Promise<void> {
    const { server } = await startFakeQemu(4, 2);
    try {
      await fn({ qmp: { socket: server.path }, guestAgent: "off" });
    } finally {
      await server.close();
    }
  }

  test("raw QMP: fn gets the hypervisor and its result comes back", () =>
    withFakeQemu(async (spec) => {
      expect(await withHypervisor(spec, async (hv) => (await hv.read()).running?.vcpus)).toBe(2);
    }));

  test("raw QMP: fn's own error comes back unchanged", () =>
    withFakeQemu(async (spec) => {
      const own = new Error("from fn");
      await expect(withHypervisor(spec, () => Promise.reject(own))).rejects.toBe(own);
    }));
});
