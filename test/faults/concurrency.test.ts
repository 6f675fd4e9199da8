/**
 * Operations on one VM at once (issue 10, defect 6), on a real guest through real libvirtd:
 * - two updates in one provider process run one after the other, the second planning from a fresh read;
 * - while one runs, its lease is in the domain's live metadata (never in the persistent definition);
 * - a lease held by another process refuses the change, naming the holder, and nothing changes;
 * - an expired lease is taken over, and no lease is left behind.
 */
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { provider } from "../../provider/dynamic";
import { ProviderError } from "../../provider/errors";
import { uniqueName, virsh } from "../guest/guest";
import { freshGuestPerTest } from "./guest";

const RUN = uniqueName("qvt-fault-conc");
const URI = "qemu:///system";
const LEASE_URI = "https://pulumi-qemu-vcpu.dev/lease/1";
type Props = Record<string, unknown>;
jest.setTimeout(180_000);

const guest = freshGuestPerTest(RUN);
const spec = (label: string, vcpus: number): Props => ({ __label: label, libvirt: { uri: URI, domain: guest().name }, maxVcpus: 4, vcpus, guestAgent: "required" });

async function checked(inputs: Props): Promise<Props> {
  const { inputs: ok, failures } = await provider.check!({}, inputs);
  expect(failures ?? []).toEqual([]);
  return ok as Props;
}

async function create(inputs: Props): Promise<Props> {
  return (await provider.create(await checked(inputs))).outs as Props;
}

/** `virsh metadata` of our lease (live), or undefined when there is none. */
function leaseNow(): string | undefined {
  try {
    return execFileSync("virsh", ["-c", URI, "metadata", guest().name, "--uri", LEASE_URI, "--live"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return undefined;
  }
}

function plantLease(expires: Date): void {
  const xml = `<lease owner="otherhost:1:deadbeef" operation="update" resource="VmCpu other" expires="${expires.toISOString()}"/>`;
  execFileSync("virsh", ["-c", URI, "metadata", guest().name, "--uri", LEASE_URI, "--key", "vmcpu", "--set", xml, "--live"]);
}

async function vcpucount(): Promise<Record<string, number>> {
  const out = (await virsh(["vcpucount", guest().name])).stdout;
  return Object.fromEntries([...out.matchAll(/^(\w+)\s+(\w+)\s+(\d+)$/gm)].map((m) => [`${m[1]} ${m[2]}`, Number(m[3])]));
}


test("two updates of one VM in one process run in turn; the lease is live-only while one runs, gone after", async () => {
  const lines: string[] = [];
  let seenLease: string | undefined;
  let inactiveXml = "";
  let second: Promise<Props> | undefined;
  const secondInputs = await checked(spec("second", 3)); // checked (a read-only preview) before the race
  const spy = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    const line = args.join(" ");
    lines.push(line);
    // The second update starts while the first holds the VM (its first step just began).
    if (!second && /^VmCpu first: hot-add vCPU 1 \(live\): started/.test(line)) second = provider.create(secondInputs).then((r) => r.outs as Props);
    if (seenLease === undefined && /VmCpu first: hot-add vCPU 1 \(live\): started/.test(line)) {
      seenLease = leaseNow() ?? "";
      inactiveXml = execFileSync("virsh", ["-c", URI, "dumpxml", "--inactive", guest().name], { encoding: "utf8" });
    }
  });
  try {
    const a = await create(spec("first", 2));
    expect(second).toBeDefined();
    const b = await second!;
    expect(a).toMatchObject({ liveVcpus: 2 });
    expect(b).toMatchObject({ liveVcpus: 3, guestOnlineVcpus: 3, libvirtStale: false });
  } finally {
    spy.mockRestore();
  }
  expect(lines.join("\n")).not.toMatch(/cause is unknown/);
  expect(lines.join("\n")).toMatch(/VmCpu second: waiting for .* on the same VM/);
  expect(seenLease).toMatch(new RegExp(`owner="${os.hostname()}:${process.pid}:`));
  expect(inactiveXml).not.toMatch(/pulumi-qemu-vcpu\.dev\/lease/);
  expect(leaseNow()).toBeUndefined();
  expect(await vcpucount()).toMatchObject({ "current live": 3, "current config": 3 });
});

test("a lease held by another process: VM_BUSY naming the holder, nothing changed, the lease left alone", async () => {
  plantLease(new Date(Date.now() + 10 * 60_000));
  const err = await create(spec("web", 2)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderError);
  expect(err).toMatchObject({ code: "VM_BUSY", message: expect.stringMatching(/otherhost:1:deadbeef/) });
  expect((err as Error).message).toMatch(/virsh metadata .* --remove --live/);
  expect(await vcpucount()).toMatchObject({ "current live": 1 });
  expect(leaseNow()).toMatch(/otherhost:1:deadbeef/);
});

test("an expired lease is taken over, the change runs, and no lease is left", async () => {
  plantLease(new Date(Date.now() - 60_000));
  const lines: string[] = [];
  const spy = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
  try {
    expect(await create(spec("web", 2))).toMatchObject({ liveVcpus: 2 });
  } finally {
    spy.mockRestore();
  }
  expect(lines.join("\n")).toMatch(/expired lease/i);
  expect(leaseNow()).toBeUndefined();
});
