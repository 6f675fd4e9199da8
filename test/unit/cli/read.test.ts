/**
 * The drift report's reads against in-process fake libvirtds on unix sockets, reached
 * through ordinary `qemu+unix:///system?socket=…` URIs (the production dialer).
 */
import { readAll, type ReadOptions, type ReadOutcome } from "../../../provider/cli/drift/read";
import type { DriftTarget } from "../../../provider/cli/drift/target";
import { RemoteProcedure } from "../../../provider/libvirt/protocol/constants";
import { FakeLibvirtd, fail } from "../../fakes/libvirtd";
import { FakeDomain } from "../backend/libvirt/fake-domain";
import * as W from "../backend/libvirt/wire";
import { desired } from "../../support/live";

const uriOf = (fake: FakeLibvirtd) => `qemu+unix:///system?socket=${fake.socketPath}`;
const target = (uri: string, domain: string): DriftTarget => ({ name: domain, desired: desired({ libvirt: { uri, domain }, maxVcpus: 4, vcpus: 2 }), notes: [] });
const opts = (over: Partial<ReadOptions> = {}): ReadOptions => ({ hostConcurrency: 8, vmConcurrency: 16, hostTimeoutMs: 10_000, ...over });
const kinds = (outcomes: readonly ReadOutcome[]) => outcomes.map((o) => o.kind);

/** A fake that knows no domain: lookups fail with VIR_ERR_NO_DOMAIN; `onLookup` may delay them. */
function noDomains(fake: FakeLibvirtd, onLookup: () => Promise<void> = async () => undefined): void {
  fake.handleRemote(RemoteProcedure.CONNECT_GET_LIB_VERSION, () => W.hyperRet(9000000n));
  fake.handleRemote(RemoteProcedure.CONNECT_GET_VERSION, () => W.hyperRet(7002022n));
  fake.handleRemote(RemoteProcedure.DOMAIN_LOOKUP_BY_NAME, async () => {
    await onLookup();
    return fail(W.LIBVIRT_ERRORS.noDomain("x"));
  });
}

let fakes: FakeLibvirtd[] = [];
const startFake = async () => {
  const f = await FakeLibvirtd.start();
  fakes.push(f);
  return f;
};
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.stop()));
  fakes = [];
});

describe("readAll", () => {
  test("the VMs of one host are read over one connection; a live one is read, unknown ones are gone", async () => {
    const fake = await startFake();
    const dom = FakeDomain.install(fake, {});
    const uri = uriOf(fake);
    const targets = [target(uri, dom.name), ...["a", "b", "c"].map((d) => target(uri, d))];
    const { outcomes, hosts } = await readAll(targets, opts());
    expect(kinds(outcomes)).toEqual(["live", "gone", "gone", "gone"]);
    expect(outcomes[0]).toMatchObject({ live: { state: "running", running: { vcpus: 2 } } });
    expect(fake.connections).toHaveLength(1);
    expect(fake.last.closed).toBe(true);
    expect(hosts).toEqual([{ host: uri, vms: 4, ms: expect.any(Number) }]);
  });

  test("no more than --per-host VMs of a host are in flight at once", async () => {
    const fake = await startFake();
    let inFlight = 0;
    let most = 0;
    noDomains(fake, async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight -= 1;
    });
    const targets = Array.from({ length: 12 }, (_, i) => target(uriOf(fake), `vm${i}`));
    await readAll(targets, opts({ vmConcurrency: 3 }));
    expect(most).toBe(3);
  });

  test("an unreachable host marks its VMs unreachable, naming it; the other host is still read", async () => {
    const fake = await startFake();
    noDomains(fake);
    const down = "qemu+unix:///system?socket=/nonexistent/libvirt-sock";
    const seen: string[] = [];
    const { outcomes, hosts } = await readAll([target(down, "x"), target(uriOf(fake), "y"), target(down, "z")], opts({ onVm: (t) => void seen.push(t.name) }));
    expect(kinds(outcomes)).toEqual(["unreachable", "gone", "unreachable"]);
    expect(outcomes[0]).toMatchObject({ reason: expect.stringMatching(/^can't connect to libvirt at qemu\+unix:\/\/\/system\?socket=\/nonexistent\/libvirt-sock: .*ENOENT.*\[CONNECTION_FAILED\]$/) });
    expect(hosts.find((h) => h.host === down)).toMatchObject({ unreachable: expect.stringMatching(/can't connect/) });
    expect(seen.sort()).toEqual(["x", "y", "z"]);
  });

  test("a host that does not answer within --timeout: its VMs are unreachable (HOST_TIMEOUT), in about that time", async () => {
    const fake = await startFake();
    noDomains(fake, () => new Promise(() => undefined)); // never answers a lookup
    const t0 = Date.now();
    const { outcomes } = await readAll([target(uriOf(fake), "a"), target(uriOf(fake), "b")], opts({ hostTimeoutMs: 200 }));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(outcomes).toEqual([
      { kind: "unreachable", reason: `${uriOf(fake)} did not answer within 0.2 s [HOST_TIMEOUT]` },
      { kind: "unreachable", reason: `${uriOf(fake)} did not answer within 0.2 s [HOST_TIMEOUT]` },
    ]);
    await fake.waitFor(() => fake.last.closed);
  });

  test("a raw QMP VmCpu is its own host; an absent QMP socket is unreachable, naming it", async () => {
    const t: DriftTarget = { name: "q", desired: desired({ libvirt: undefined, qmp: { socket: "/nonexistent/qmp.sock" }, maxVcpus: 4, vcpus: 2 }), notes: [] };
    const { outcomes, hosts } = await readAll([t], opts());
    expect(outcomes).toEqual([{ kind: "unreachable", reason: expect.stringMatching(/^can't open QMP at .*\/nonexistent\/qmp\.sock.*\[CONNECTION_FAILED\]$/) }]);
    expect(hosts).toEqual([{ host: "qmp:/nonexistent/qmp.sock", vms: 1, ms: expect.any(Number), unreachable: outcomes[0]!.kind === "live" ? "" : outcomes[0]!.reason }]);
  });
});
