/**
 * The lease in the domain's live metadata (provider/backend/libvirt/lease.ts): the real
 * LibvirtHypervisor and LibvirtClient against the fake libvirtd's metadata (fake-metadata.ts),
 * alone and through converge.
 */
import { converge } from "../../../../provider/converge";
import { LEASE_KEY, LEASE_URI, leaseXml, parseLease } from "../../../../provider/backend/libvirt/lease";
import { AFFECT_LIVE, METADATA_ELEMENT } from "../../../../provider/libvirt";
import * as R from "../../../../provider/libvirt/protocol/remote-procedures";
import { ApplyError, VmBusyError, type LeaseHolder } from "../../../../provider/errors";
import { parseInputs } from "../../../../provider/spec";
import { fail } from "../../../fakes/libvirtd";
import { asLibvirtStores } from "./fake-metadata";
import type { FakeDomain } from "./fake-domain";
import { libvirtHarness } from "./harness";
import * as W from "./wire";

const h = libvirtHarness();

const MINUTE = 60_000;
const me = (over: Partial<LeaseHolder> = {}): LeaseHolder => ({ owner: "build01:100:aaaaaaaa", operation: "update", resource: "VmCpu web", expires: Date.now() + MINUTE, ...over });
const other = (expires: number): LeaseHolder => ({ owner: "ci-runner-7:4242:bbbbbbbb", operation: "create", resource: "VmCpu other", expires });
/** Writes `xml` into the domain's live metadata as libvirt stores it. */
const preset = (d: FakeDomain, xml: string) => d.metadata.live.set(LEASE_URI, asLibvirtStores(xml, LEASE_KEY, LEASE_URI));
const ownerIn = (d: FakeDomain) => (d.metadata.live.has(LEASE_URI) ? parseLease(d.metadata.live.get(LEASE_URI)!).owner : undefined);

interface AcquireCase {
  readonly setup: (d: FakeDomain) => void;
  /** The VM_BUSY message, or undefined when the lease is taken. */
  readonly busy?: RegExp;
  /** Owner in the live metadata right after the attempt. */
  readonly ownerAfter: string | undefined;
  /** SET_METADATA calls made by the attempt. */
  readonly sets: number;
  readonly crossProcess?: boolean;
  readonly logged?: RegExp;
}

const expiredAt = Date.parse("2020-01-02T03:04:05.000Z");
const heldUntil = Date.now() + 10 * MINUTE;

const acquireCases: Record<string, AcquireCase> = {
  "free: set once, read back, ours": { setup: () => undefined, ownerAfter: "build01:100:aaaaaaaa", sets: 1, crossProcess: true },
  "held by another owner, unexpired: VM_BUSY naming owner, host, pid, expiry and the virsh command; nothing written": {
    setup: (d) => preset(d, leaseXml(other(heldUntil))),
    busy: new RegExp(
      `^VmCpu web: nothing was changed: libvirt domain "fixture-xml" is busy: VmCpu other \\(create\\) of ci-runner-7:4242:bbbbbbbb holds its lease until ${new Date(heldUntil).toISOString().replace(/\./g, "\\.")}\\. ` +
        `Wait .*\\(host ci-runner-7, pid 4242\\).*\`virsh metadata fixture-xml --uri https://pulumi-qemu-vcpu\\.dev/lease/1 --remove --live\``,
    ),
    ownerAfter: "ci-runner-7:4242:bbbbbbbb",
    sets: 0,
  },
  "held by another owner, expired: taken over, and the log says whose and since when": {
    setup: (d) => preset(d, leaseXml(other(expiredAt))),
    ownerAfter: "build01:100:aaaaaaaa",
    sets: 1,
    logged: /^VmCpu web: taking over the expired lease of VmCpu other \(create\) of ci-runner-7:4242:bbbbbbbb, which ran out at 2020-01-02T03:04:05\.000Z$/,
  },
  "an element that is not a lease of ours: taken over as expired": {
    setup: (d) => preset(d, "<something else='1'/>"),
    ownerAfter: "build01:100:aaaaaaaa",
    sets: 1,
    logged: /taking over the expired lease of an operation \(\?\) of unknown, which ran out at an unreadable time/,
  },
  "another process sets its lease between our set and read-back: VM_BUSY naming the winner, its lease left": {
    setup: (d) => {
      d.metadata.afterSet = () => {
        d.metadata.afterSet = undefined;
        preset(d, leaseXml(other(heldUntil)));
      };
    },
    busy: /is busy: VmCpu other \(create\) of ci-runner-7:4242:bbbbbbbb holds its lease until/,
    ownerAfter: "ci-runner-7:4242:bbbbbbbb",
    sets: 1,
  },
  "domain not running: no live metadata, only this process's lock; logged": {
    setup: (d) => void (d.running = false),
    ownerAfter: undefined,
    sets: 0,
    crossProcess: false,
    logged: /^VmCpu web: libvirt domain "fixture-xml" is not running: no live metadata to keep a lease in/,
  },
};

describe("LibvirtHypervisor.lease: taking it", () => {
  test.each(Object.entries(acquireCases))("%s", async (_name, c) => {
    const { hv, domain } = await h.start();
    c.setup(domain);
    const logs: string[] = [];
    const outcome = await hv.lease(me(), (m) => logs.push(m)).catch((e: unknown) => e);
    if (c.busy) {
      expect(outcome).toBeInstanceOf(VmBusyError);
      expect((outcome as VmBusyError).message).toMatch(c.busy);
      expect((outcome as VmBusyError).holder).toMatchObject({ owner: "ci-runner-7:4242:bbbbbbbb", operation: "create", expires: heldUntil });
    } else {
      expect(outcome).toMatchObject({ crossProcess: c.crossProcess ?? true });
    }
    expect(ownerIn(domain)).toBe(c.ownerAfter);
    expect(domain.argsOf(R.DomainSetMetadata)).toHaveLength(c.sets);
    if (c.logged) expect(logs).toEqual([expect.stringMatching(c.logged)]);
    else expect(logs).toEqual([]);
  });

  test("every metadata call is ELEMENT in our namespace with AFFECT_LIVE only (nothing persistent), the element as specified", async () => {
    const { hv, domain } = await h.start();
    const lease = await hv.lease(me({ expires: Date.parse("2030-05-06T07:08:09.000Z") }), () => undefined);
    await lease.release();
    const sets = domain.argsOf(R.DomainSetMetadata);
    const gets = domain.argsOf(R.DomainGetMetadata);
    expect([...sets, ...gets].map((a) => [a.type, a.uri, a.flags])).toEqual(Array(sets.length + gets.length).fill([METADATA_ELEMENT, LEASE_URI, AFFECT_LIVE]));
    expect(sets.map((a) => [a.metadata, a.key])).toEqual([
      ['<lease owner="build01:100:aaaaaaaa" operation="update" resource="VmCpu web" expires="2030-05-06T07:08:09.000Z"/>', LEASE_KEY],
      [null, null],
    ]);
  });
});

describe("LibvirtHypervisor.lease: renewing and releasing", () => {
  test("release removes our lease", async () => {
    const { hv, domain } = await h.start();
    const lease = await hv.lease(me(), () => undefined);
    await lease.release();
    expect(domain.metadata.live.has(LEASE_URI)).toBe(false);
  });

  test("renew moves the expiry of our lease", async () => {
    const { hv, domain } = await h.start();
    const lease = await hv.lease(me(), () => undefined);
    const later = Date.parse("2031-01-01T00:00:00.000Z");
    await lease.renew(later);
    expect(parseLease(domain.metadata.live.get(LEASE_URI)!)).toMatchObject({ owner: "build01:100:aaaaaaaa", expires: later });
  });

  test("renew when another owner has taken the lease over: VM_BUSY, theirs left", async () => {
    const { hv, domain } = await h.start();
    const lease = await hv.lease(me(), () => undefined);
    preset(domain, leaseXml(other(expiredAt)));
    await expect(lease.renew(Date.now() + MINUTE)).rejects.toBeInstanceOf(VmBusyError);
    expect(ownerIn(domain)).toBe("ci-runner-7:4242:bbbbbbbb");
  });

  test("release leaves another owner's lease alone, and says so", async () => {
    const { hv, domain } = await h.start();
    const logs: string[] = [];
    const lease = await hv.lease(me(), (m) => logs.push(m));
    preset(domain, leaseXml(other(heldUntil)));
    await lease.release();
    expect(ownerIn(domain)).toBe("ci-runner-7:4242:bbbbbbbb");
    expect(logs).toEqual(["VmCpu web: the lease is ci-runner-7:4242:bbbbbbbb's now; left as it is"]);
  });

  test("release that fails is logged with what to do, never thrown", async () => {
    const { hv, domain } = await h.start();
    const logs: string[] = [];
    const lease = await hv.lease(me(), (m) => logs.push(m));
    domain.metadata.getError = W.LIBVIRT_ERRORS.unknownCause;
    await expect(lease.release()).resolves.toBeUndefined();
    expect(logs).toEqual([expect.stringMatching(/^VmCpu web: warning: could not remove the lease from libvirt domain "fixture-xml" \(An error occurred, but the cause is unknown \[LIBVIRT_ERROR, domain 10\]\); it runs out at .*, or remove it with `virsh metadata fixture-xml --uri/)]);
  });
});

describe("converge with the libvirt lease", () => {
  const want = (vcpus: number) => parseInputs({ libvirt: { uri: "qemu:///system", domain: "fixture-xml" }, maxVcpus: 4, vcpus, guestAgent: "off" });

  test("another process holds the VM: VM_BUSY and nothing changed on the VM", async () => {
    const { hv, domain } = await h.start();
    preset(domain, leaseXml(other(heldUntil)));
    const err = await converge(hv, want(3), "VmCpu web", () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmBusyError);
    expect(domain.argsOf(R.DomainSetVcpu)).toEqual([]);
    expect(domain.argsOf(R.DomainSetVcpusFlags)).toEqual([]);
    expect(ownerIn(domain)).toBe("ci-runner-7:4242:bbbbbbbb");
  });

  test("a change: leased while it runs (planned again under it), released after", async () => {
    const { hv, domain } = await h.start();
    const owners: (string | undefined)[] = [];
    domain.on(R.DomainSetVcpu, W.readDomCpumap, () => {
      owners.push(ownerIn(domain));
      return fail(W.LIBVIRT_ERRORS.unknownCause);
    });
    await converge(hv, want(3), "VmCpu web", () => undefined).catch(() => undefined);
    expect(owners).toEqual([expect.stringMatching(/:\d+:[0-9a-f]{8}$/)]);
    const names = domain.names();
    const [leased, changed] = [names.indexOf(R.DomainSetMetadata.name), names.indexOf(R.DomainSetVcpu.name)];
    expect(names.slice(leased, changed)).toContain(R.DomainGetXmlDesc.name); // read again under the lease
    expect(domain.metadata.live.has(LEASE_URI)).toBe(false);
  });

  test("a failure half-way (both hot-adds done, the definition write refused): ApplyError, and the lease is released", async () => {
    const { hv, domain } = await h.start();
    domain.on(R.DomainSetVcpusFlags, W.readSetVcpusFlags, () => fail(W.LIBVIRT_ERRORS.unknownCause));
    const err = await converge(hv, want(4), "VmCpu web", () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect({ step: (err as ApplyError).step?.kind, live: (err as ApplyError).live?.running?.vcpus }).toEqual({ step: "setConfigVcpus", live: 4 });
    expect(domain.argsOf(R.DomainSetVcpu).map((a) => a.cpumap)).toEqual(["2", "3"]);
    expect(domain.metadata.live.has(LEASE_URI)).toBe(false);
    expect(domain.argsOf(R.DomainSetMetadata).map((a) => a.metadata === null)).toEqual([false, true]);
  });

  test("no change to make: no lease is taken", async () => {
    const { hv, domain } = await h.start();
    await converge(hv, want(2), "VmCpu web", () => undefined);
    expect(domain.argsOf(R.DomainSetMetadata)).toEqual([]);
    expect(domain.argsOf(R.DomainGetMetadata)).toEqual([]);
  });
});
