/**
 * Per-platform slot rules proven on real QEMU under TCG with no guest OS (firmware only,
 * paused): hot-add through QMP is enough to prove slot selection and granularity.
 * pseries hotplugs whole cores (spapr-cpu-core); s390x hot-adds single CPUs and can't unplug.
 */
import { provider } from "../../provider/dynamic";
import type { ProviderError } from "../../provider/errors";
import { cleanupLeftovers, qemu10, rawQemuFirmwareOnly, uniqueName, type RawQemuFirmwareOnly } from "../guest/guest";

type Props = Record<string, unknown>;
const RUN = uniqueName("qvt-plat");

afterAll(async () => {
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

async function slotsOf(vm: RawQemuFirmwareOnly): Promise<{ type: string; "vcpus-count": number; props: Record<string, number>; "qom-path"?: string }[]> {
  const qmp = await vm.qmp();
  try {
    return (await qmp.execute("query-hotpluggable-cpus")) as never;
  } finally {
    qmp.close();
  }
}

/** QEMU 7.2 refuses threads > 1 for pseries under TCG; 10.0 (unpacked from bookworm-backports) allows SMT. */
describe("pseries on QEMU 10.0 with 2 threads per core: whole cores", () => {
  let vm: RawQemuFirmwareOnly;
  const spec = (vcpus: number): Props => ({
    qmp: { socket: vm.qmpSocket }, machine: "pseries", maxVcpus: 8, vcpus, topology: { sockets: 1, cores: 4, threads: 2 }, guestAgent: "off",
  });
  beforeAll(async () => {
    const q = await qemu10();
    if (!q) throw new Error("QEMU 10.0 could not be prepared by test/guest/qemu10.sh");
    vm = await rawQemuFirmwareOnly({ name: `${RUN}-ppc`, binary: "qemu-system-ppc64", machine: "pseries", smp: "2,maxcpus=8,cores=4,threads=2", qemuRoot: q.root });
  });
  afterAll(async () => vm.stop());

  test("check refuses a vCPU count that is not a whole number of cores", async () => {
    const { failures } = await provider.check!({}, spec(5));
    expect(failures).toEqual([{ property: "vcpus", reason: expect.stringMatching(/whole cores of 2 threads, so vcpus must be a multiple of 2 \(e\.g\. 4 or 6\)/) }]);
  });

  test("2→6 plugs the two lowest free cores as spapr-cpu-core devices", async () => {
    const { inputs } = await provider.check!({}, spec(6));
    const { outs } = await provider.create(inputs as Props);
    expect(outs).toMatchObject({ arch: "ppc64", liveVcpus: 6, maxVcpus: 8, topology: { cores: 4, threads: 2 }, machine: expect.stringMatching(/^pseries-/) });
    const slots = await slotsOf(vm);
    const plugged = slots.filter((s) => s["qom-path"]).map((s) => s.props["core-id"]).sort((a, b) => a! - b!);
    expect(plugged).toEqual([0, 2, 4]);
    expect(slots.every((s) => /-spapr-cpu-core$/.test(s.type) && s["vcpus-count"] === 2)).toBe(true);
    const ids = (outs["vcpuSlots"] as { id: number; entity: number; enabled: boolean }[]).filter((s) => s.enabled).map((s) => `${s.id}@${s.entity}`);
    expect(ids).toEqual(["0@0", "1@0", "2@2", "3@2", "4@4", "5@4"]);
  });
});

describe("pseries on QEMU 7.2 (1 thread per core)", () => {
  let vm: RawQemuFirmwareOnly;
  beforeAll(async () => {
    vm = await rawQemuFirmwareOnly({ name: `${RUN}-ppc72`, binary: "qemu-system-ppc64", machine: "pseries", smp: "1,maxcpus=4,cores=4,threads=1" });
  });
  afterAll(async () => vm.stop());

  test("1→3 plugs cores 1 and 2", async () => {
    const { inputs } = await provider.check!({}, { qmp: { socket: vm.qmpSocket }, machine: "pseries", maxVcpus: 4, vcpus: 3, guestAgent: "off" });
    const { outs } = await provider.create(inputs as Props);
    expect(outs).toMatchObject({ arch: "ppc64", liveVcpus: 3, topology: { cores: 4, threads: 1 } });
    expect((await slotsOf(vm)).filter((s) => s["qom-path"]).map((s) => s.props["core-id"]).sort()).toEqual([0, 1, 2]);
  });
});

describe("s390x: hot-add only", () => {
  let vm: RawQemuFirmwareOnly;
  const spec = (vcpus: number): Props => ({ qmp: { socket: vm.qmpSocket }, machine: "s390-ccw-virtio", maxVcpus: 4, vcpus, guestAgent: "off" });
  beforeAll(async () => {
    vm = await rawQemuFirmwareOnly({ name: `${RUN}-s390x`, binary: "qemu-system-s390x", machine: "s390-ccw-virtio", smp: "1,maxcpus=4" });
  });
  afterAll(async () => vm.stop());

  test("1→3 hot-adds CPU addresses 1 and 2", async () => {
    const { inputs } = await provider.check!({}, spec(3));
    const { id, outs } = await provider.create(inputs as Props);
    expect(outs).toMatchObject({ arch: "s390x", liveVcpus: 3 });
    const plugged = (await slotsOf(vm)).filter((s) => s["qom-path"]).map((s) => s.props["core-id"]).sort();
    expect(plugged).toEqual([0, 1, 2]);

    // Shrinking: refused at check against the previous inputs, and by the plan against the live VM.
    const { failures } = await provider.check!(inputs as Props, spec(2));
    expect(failures).toEqual([{ property: "vcpus", reason: expect.stringMatching(/can't go down from 3 to 2 .*no CPU unplug for s390x/) }]);
    const err = (await provider.update!(id, outs as Props, { ...(inputs as Props), vcpus: 2 }).catch((e: unknown) => e)) as ProviderError;
    expect(err.code).toBe("COLD_CHANGE_REFUSED");
    expect(err.message).toMatch(/vcpus: 3 → 2 \(s390x can hot-add CPUs but QEMU has no CPU unplug/);
  });
});

describe("microvm: a machine without CPU hotplug (QEMU refuses query-hotpluggable-cpus)", () => {
  let vm: RawQemuFirmwareOnly;
  const spec = (vcpus: number): Props => ({ qmp: { socket: vm.qmpSocket }, maxVcpus: 2, vcpus, guestAgent: "off" });
  beforeAll(async () => {
    vm = await rawQemuFirmwareOnly({ name: `${RUN}-microvm`, binary: "qemu-system-x86_64", machine: "microvm", smp: "1,maxcpus=2" });
  });
  afterAll(async () => vm.stop());

  test("adopted with nothing to change, machine not declared: read from QEMU's present CPUs", async () => {
    const { inputs, failures } = await provider.check!({}, spec(1));
    expect(failures ?? []).toEqual([]);
    const { outs } = await provider.create(inputs as Props);
    expect(outs).toMatchObject({ machine: "microvm", liveVcpus: 1, maxVcpus: 2 });
  });

  test("a vCPU change is refused at preview with the platform's reason, and nothing is plugged", async () => {
    const { inputs } = await provider.check!({}, spec(1));
    const { id, outs } = await provider.create(inputs as Props);
    const preview = await provider.diff!(id, outs as Props, { ...(inputs as Props), vcpus: 2 }).catch((e: unknown) => e);
    expect(String(preview)).toMatch(/microvm has no ACPI CPU hotplug/);
    const err = (await provider.update!(id, outs as Props, { ...(inputs as Props), vcpus: 2 }).catch((e: unknown) => e)) as ProviderError;
    expect(err.code).toBe("COLD_CHANGE_REFUSED");
    expect(err.message).toMatch(/microvm has no ACPI CPU hotplug/);
    const qmp = await vm.qmp();
    try {
      expect(((await qmp.execute("query-cpus-fast")) as unknown[]).length).toBe(1);
    } finally {
      qmp.close();
    }
  });
});
