/**
 * QEMU slots → vCPU ids (provider/backend/slots.ts), from `query-hotpluggable-cpus` replies
 * shaped as QEMU 7.2 prints them: descending order, `qom-path` only on plugged entities,
 * x86 `die-id` only when dies > 1, pseries entities are whole cores whose `core-id` counts
 * vCPUs, s390x `core-id` is the CPU address.
 */
import { firstVcpuId, inferTopology, mergeSlots, qemuVcpus, type LibvirtVcpu } from "../../../provider/backend/slots";
import type { Topology, VcpuSlot } from "../../../provider/spec";
import { qemuSlotsFrom } from "./libvirt/qemu-cpus";

/** x86 q35, `<topology sockets='1' cores='4' threads='1'/>`, vCPUs 0 (boot) and 1 (hot-added) plugged. */
const X86_1X4 = `[
  {"props":{"core-id":3,"thread-id":0,"socket-id":0},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":2,"thread-id":0,"socket-id":0},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":1,"thread-id":0,"socket-id":0},"vcpus-count":1,"qom-path":"/machine/peripheral/vcpu1","type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":0,"thread-id":0,"socket-id":0},"vcpus-count":1,"qom-path":"/machine/unattached/device[0]","type":"qemu64-x86_64-cpu"}
]`;

/** x86, 2 sockets × 2 cores × 2 threads; vCPUs 0-1 at boot, 2 hot-added. */
const X86_2X2X2 = `[
  {"props":{"core-id":1,"thread-id":1,"socket-id":1},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":1,"thread-id":0,"socket-id":1},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":0,"thread-id":1,"socket-id":1},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":0,"thread-id":0,"socket-id":1},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":1,"thread-id":1,"socket-id":0},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":1,"thread-id":0,"socket-id":0},"vcpus-count":1,"qom-path":"/machine/peripheral/vcpu2","type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":0,"thread-id":1,"socket-id":0},"vcpus-count":1,"qom-path":"/machine/unattached/device[1]","type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":0,"thread-id":0,"socket-id":0},"vcpus-count":1,"qom-path":"/machine/unattached/device[0]","type":"qemu64-x86_64-cpu"}
]`;

/** x86, 1 socket × 2 dies × 2 cores (core-id counts within the die); vCPUs 0 and 3 plugged. */
const X86_DIES = `[
  {"props":{"core-id":1,"thread-id":0,"die-id":1,"socket-id":0},"vcpus-count":1,"qom-path":"/machine/peripheral/vcpu3","type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":0,"thread-id":0,"die-id":1,"socket-id":0},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":1,"thread-id":0,"die-id":0,"socket-id":0},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":0,"thread-id":0,"die-id":0,"socket-id":0},"vcpus-count":1,"qom-path":"/machine/unattached/device[0]","type":"qemu64-x86_64-cpu"}
]`;

/** pseries, 4 cores of 8 threads: one entity per core, `core-id` = first vCPU of the core; cores 0 and 8 plugged. */
const PSERIES_4X8 = `[
  {"props":{"core-id":24},"vcpus-count":8,"type":"power9_v2.0-spapr-cpu-core"},
  {"props":{"core-id":16},"vcpus-count":8,"type":"power9_v2.0-spapr-cpu-core"},
  {"props":{"core-id":8},"vcpus-count":8,"qom-path":"/machine/peripheral/vcpu8","type":"power9_v2.0-spapr-cpu-core"},
  {"props":{"core-id":0},"vcpus-count":8,"qom-path":"/machine/unattached/device[0]","type":"power9_v2.0-spapr-cpu-core"}
]`;

/** s390x, 4 CPUs: `core-id` is the CPU address; 0 and 2 plugged. */
const S390X_4 = `[
  {"props":{"core-id":3},"vcpus-count":1,"type":"qemu-s390x-cpu"},
  {"props":{"core-id":2},"vcpus-count":1,"qom-path":"/machine/peripheral/vcpu2","type":"qemu-s390x-cpu"},
  {"props":{"core-id":1},"vcpus-count":1,"type":"qemu-s390x-cpu"},
  {"props":{"core-id":0},"vcpus-count":1,"qom-path":"/machine/unattached/device[0]","type":"qemu-s390x-cpu"}
]`;

type Row = Pick<VcpuSlot, "id" | "entity" | "enabled" | "socketId" | "dieId" | "coreId" | "threadId">;

interface LayoutCase {
  readonly arch: string;
  /** The topology of the definition (what the backend passes). */
  readonly topology: Topology;
  readonly qemu: string;
  /** firstVcpuId of each entry, in QEMU's order. */
  readonly firstIds: number[];
  /** vCPU ids QEMU has plugged. */
  readonly plugged: number[];
  /** Selected vCPUs in full. */
  readonly rows: Row[];
  /** What inferTopology should read back when the definition names none. */
  readonly inferred: Topology;
}

const cases: Record<string, LayoutCase> = {
  "x86 1 socket × 4 cores": {
    arch: "x86_64", topology: { sockets: 1, dies: 1, cores: 4, threads: 1 }, qemu: X86_1X4,
    firstIds: [3, 2, 1, 0], plugged: [0, 1],
    rows: [{ id: 1, entity: 1, enabled: true, socketId: 0, dieId: undefined, coreId: 1, threadId: 0 }],
    inferred: { sockets: 1, dies: 1, cores: 4, threads: 1 },
  },
  "x86 2 sockets × 2 cores × 2 threads": {
    arch: "x86_64", topology: { sockets: 2, cores: 2, threads: 2 }, qemu: X86_2X2X2,
    firstIds: [7, 6, 5, 4, 3, 2, 1, 0], plugged: [0, 1, 2],
    rows: [
      { id: 2, entity: 2, enabled: true, socketId: 0, dieId: undefined, coreId: 1, threadId: 0 },
      { id: 5, entity: 5, enabled: false, socketId: 1, dieId: undefined, coreId: 0, threadId: 1 },
    ],
    inferred: { sockets: 2, dies: 1, cores: 2, threads: 2 },
  },
  "x86 dies=2 (1 socket × 2 dies × 2 cores)": {
    arch: "x86_64", topology: { sockets: 1, dies: 2, cores: 2, threads: 1 }, qemu: X86_DIES,
    firstIds: [3, 2, 1, 0], plugged: [0, 3],
    rows: [{ id: 3, entity: 3, enabled: true, socketId: 0, dieId: 1, coreId: 1, threadId: 0 }],
    inferred: { sockets: 1, dies: 2, cores: 2, threads: 1 },
  },
  "pseries 4 cores × 8 threads (core-id counts vCPUs)": {
    arch: "ppc64", topology: { sockets: 1, cores: 4, threads: 8 }, qemu: PSERIES_4X8,
    firstIds: [24, 16, 8, 0], plugged: Array.from({ length: 16 }, (_, i) => i),
    rows: [
      { id: 13, entity: 8, enabled: true, socketId: undefined, dieId: undefined, coreId: 8, threadId: 5 },
      { id: 31, entity: 24, enabled: false, socketId: undefined, dieId: undefined, coreId: 24, threadId: 7 },
    ],
    inferred: { sockets: 1, dies: 1, cores: 4, threads: 8 },
  },
  "s390x 4 CPUs (core-id = address)": {
    arch: "s390x", topology: { sockets: 2, cores: 2, threads: 1 }, qemu: S390X_4,
    firstIds: [3, 2, 1, 0], plugged: [0, 2],
    rows: [{ id: 2, entity: 2, enabled: true, socketId: undefined, dieId: undefined, coreId: 2, threadId: undefined }],
    inferred: { sockets: 1, dies: 1, cores: 4, threads: 1 },
  },
};

describe.each(Object.entries(cases))("%s", (_name, c) => {
  const slots = qemuSlotsFrom(c.qemu);
  const total = slots.reduce((n, s) => n + s.vcpusCount, 0);

  test("firstVcpuId of each QEMU entry", () => {
    expect(slots.map((s) => firstVcpuId(c.arch, s, c.topology))).toEqual(c.firstIds);
  });

  test("qemuVcpus: one row per vCPU, ids 0..n-1 ascending, plugged per qom-path", () => {
    const vcpus = qemuVcpus(c.arch, slots, c.topology);
    expect(vcpus.map((v) => v.id)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(vcpus.filter((v) => v.enabled).map((v) => v.id)).toEqual(c.plugged);
    for (const row of c.rows) expect(vcpus[row.id]).toMatchObject(row);
  });

  test("inferTopology reads the layout back", () => {
    expect(inferTopology(slots)).toEqual(c.inferred);
  });
});

describe("mergeSlots (x86 1×4, QEMU has vCPUs 0 and 1)", () => {
  const qemu = qemuSlotsFrom(X86_1X4);
  const t = { sockets: 1, dies: 1, cores: 4, threads: 1 };
  const lv = (id: number, enabled: boolean, hotpluggable: boolean, order?: number): LibvirtVcpu => ({ id, enabled, hotpluggable, order });
  const agreeing = [lv(0, true, false, 1), lv(1, true, true, 2), lv(2, false, true), lv(3, false, true)];

  const mergeCases: Record<string, { libvirt: LibvirtVcpu[]; rows: Array<[number, boolean, boolean, number | undefined, boolean | undefined]>; disagreements: RegExp[] }> = {
    "libvirt agrees: hotpluggable and order come from libvirt": {
      libvirt: agreeing,
      rows: [[0, true, false, 1, undefined], [1, true, true, 2, undefined], [2, false, true, undefined, undefined], [3, false, true, undefined, undefined]],
      disagreements: [],
    },
    "libvirt stale after a timed-out unplug (vCPU 2 enabled in libvirt only)": {
      libvirt: [agreeing[0]!, agreeing[1]!, lv(2, true, true, 3), agreeing[3]!],
      rows: [[0, true, false, 1, undefined], [1, true, true, 2, undefined], [2, false, true, 3, true], [3, false, true, undefined, undefined]],
      disagreements: [/^libvirt says vCPU 2 is plugged, QEMU says it is not plugged/],
    },
    "QEMU has a vCPU libvirt does not know about": {
      libvirt: [agreeing[0]!, lv(1, false, true), agreeing[2]!, agreeing[3]!],
      rows: [[0, true, false, 1, undefined], [1, true, true, undefined, false], [2, false, true, undefined, undefined], [3, false, true, undefined, undefined]],
      disagreements: [/^libvirt says vCPU 1 is not plugged, QEMU says it is plugged/],
    },
    "no libvirt view (raw QMP): all but vCPU 0 hotpluggable, no order": {
      libvirt: [],
      rows: [[0, true, false, undefined, undefined], [1, true, true, undefined, undefined], [2, false, true, undefined, undefined], [3, false, true, undefined, undefined]],
      disagreements: [],
    },
  };

  // rows: [id, enabled (QEMU), hotpluggable, order, libvirtEnabled]
  test.each(Object.entries(mergeCases))("%s", (_name, c) => {
    const merged = mergeSlots("x86_64", qemu, t, c.libvirt);
    expect(merged.slots.map((s) => [s.id, s.enabled, s.hotpluggable, s.order, s.libvirtEnabled])).toEqual(c.rows);
    expect(merged.disagreements).toHaveLength(c.disagreements.length);
    c.disagreements.forEach((re, i) => expect(merged.disagreements[i]).toMatch(re));
  });
});

describe("mergeSlots (pseries 4×8, cores 0 and 8 plugged)", () => {
  test("every thread of a core shares the core's entity and libvirt's per-vCPU flags", () => {
    const libvirt = Array.from({ length: 32 }, (_, id): LibvirtVcpu => ({ id, enabled: id < 16, hotpluggable: id >= 8, order: id < 16 ? Math.floor(id / 8) + 1 : undefined }));
    const merged = mergeSlots("ppc64", qemuSlotsFrom(PSERIES_4X8), { sockets: 1, cores: 4, threads: 8 }, libvirt);
    expect(merged.disagreements).toEqual([]);
    expect(merged.slots.filter((s) => s.entity === 8).map((s) => [s.id, s.threadId, s.order, s.hotpluggable])).toEqual(
      Array.from({ length: 8 }, (_, i) => [8 + i, i, 2, true]),
    );
    expect(merged.slots.filter((s) => !s.hotpluggable).map((s) => s.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

/** x86 pc, 2 sockets × 2 cores, `-numa cpu,node-id=N,socket-id=N` (QEMU 7.2 as printed); vCPU 0 plugged. */
const X86_NUMA = `[
  {"props":{"core-id":1,"thread-id":0,"node-id":1,"socket-id":1},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":0,"thread-id":0,"node-id":1,"socket-id":1},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":1,"thread-id":0,"node-id":0,"socket-id":0},"vcpus-count":1,"type":"qemu64-x86_64-cpu"},
  {"props":{"core-id":0,"thread-id":0,"node-id":0,"socket-id":0},"vcpus-count":1,"qom-path":"/machine/unattached/device[0]","type":"qemu64-x86_64-cpu"}
]`;

describe("NUMA nodes of the slots (x86 2 sockets × 2 cores, a node per socket)", () => {
  const t: Topology = { sockets: 2, dies: 1, cores: 2, threads: 1 };
  const lv = (node?: (id: number) => number): LibvirtVcpu[] =>
    [0, 1, 2, 3].map((id) => ({ id, enabled: id === 0, hotpluggable: id > 0, order: id === 0 ? 1 : undefined, ...(node ? { node: node(id) } : {}) }));
  const cases: Record<string, [LibvirtVcpu[], (number | undefined)[]]> = {
    "QEMU's node-id (raw QMP)": [lv(), [0, 0, 1, 1]],
    "the definition's <numa> cells win over QEMU's node-id": [lv((id) => 3 - Math.floor(id / 2)), [3, 3, 2, 2]],
  };
  test.each(Object.entries(cases))("%s", (_n, [libvirt, nodes]) => {
    expect(mergeSlots("x86_64", qemuSlotsFrom(X86_NUMA), t, libvirt).slots.map((s) => s.node)).toEqual(nodes);
  });
  test("no node without NUMA", () => {
    expect(mergeSlots("x86_64", qemuSlotsFrom(X86_1X4), { sockets: 1, dies: 1, cores: 4, threads: 1 }, lv()).slots.map((s) => s.node)).toEqual([undefined, undefined, undefined, undefined]);
  });
});
