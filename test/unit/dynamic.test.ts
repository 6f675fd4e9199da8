/**
 * The dynamic provider as Pulumi's host calls it: check failures, diff decisions, create and
 * read against a scripted QEMU (raw QMP) and a fake libvirtd, the partial-result error.
 */
import { provider } from "../../provider/dynamic";
import { ProviderError } from "../../provider/errors";
import { toOutputs } from "../../provider/spec";
import { FakeLibvirtd } from "../fakes/libvirtd";
import type { FakeQmpServer } from "../fakes/qmp-server";
import { FakeDomain } from "./backend/libvirt/fake-domain";
import { startFakeQemu, type FakeQemuVm } from "./backend/qmp/fake-qemu";
import { desired, runningVm } from "../support/live";

type Props = Record<string, unknown>;

let logs: string[];
beforeEach(() => {
  logs = [];
  jest.spyOn(console, "log").mockImplementation((m: string) => void logs.push(m));
});
afterEach(() => jest.restoreAllMocks());

const stored = (over: Props = {}) => toOutputs(runningVm({ max: 4, plugged: 2 }), desired({ vcpus: 2, ...over }), "web01-cpu") as unknown as Props;
const lv = { uri: "qemu:///system", domain: "web01" };

describe("check", () => {
  test("bad input: the failures, and no VM is contacted", async () => {
    const r = await provider.check!({}, { libvirt: { uri: "qemu+ssh:///system", domain: "web01" }, maxVcpus: 4, vcpus: 9 });
    expect(r.failures).toEqual([
      { property: "libvirt.uri", reason: expect.stringContaining('transport ssh needs a host name') },
    ]);
    expect(logs).toEqual([]);
  });

  test("a new resource whose VM can't be reached yet: no failure, the plan is left to apply", async () => {
    const r = await provider.check!({}, { qmp: { socket: "/nonexistent/qmp.sock" }, maxVcpus: 4, vcpus: 2 });
    expect(r.failures).toEqual([]);
    expect(logs.join("\n")).toMatch(/can't read the VM yet .*CONNECTION_FAILED.*the plan is made at apply/);
  });

  test("an update is not previewed at check (diff does that)", async () => {
    const r = await provider.check!(stored(), { qmp: { socket: "/nonexistent/qmp.sock" }, maxVcpus: 4, vcpus: 2 });
    expect(r.failures).toEqual([]);
    expect(logs).toEqual([]);
  });
});

describe("check previews an adoption against the live VM", () => {
  let server: FakeQmpServer;
  beforeEach(async () => ({ server } = await startFakeQemu(4, 2)));
  afterEach(() => server.close());

  test("a restart-needing change under coldChanges refuse fails the preview, naming the field", async () => {
    const r = await provider.check!({}, { qmp: { socket: server.path }, maxVcpus: 8, vcpus: 2, guestAgent: "off" });
    expect(r.failures).toEqual([{ property: "maxVcpus", reason: expect.stringContaining("maxVcpus") }]);
    expect(server.received.map((c) => c.execute)).not.toContain("device_add");
  });

  test("a live change is shown as the plan", async () => {
    const r = await provider.check!({}, { qmp: { socket: server.path }, maxVcpus: 4, vcpus: 3, guestAgent: "off" });
    expect(r.failures).toEqual([]);
    expect(logs.join("\n")).toMatch(/VmCpu .*: will hot-add vCPU 2/);
  });
});

describe("diff", () => {
  const cases: Record<string, { olds: Props; news: Props; want: { changes: boolean; replaces?: string[] } }> = {
    "olds that are not outputs: a change": { olds: { vcpus: 2 }, news: { libvirt: lv, maxVcpus: 4, vcpus: 2 }, want: { changes: true } },
    "nothing changed": { olds: stored(), news: { libvirt: lv, maxVcpus: 4, vcpus: 2 }, want: { changes: false, replaces: [] } },
    "vcpus up: an update in place": { olds: stored(), news: { libvirt: lv, maxVcpus: 4, vcpus: 3 }, want: { changes: true, replaces: [] } },
    "another domain: a replacement": { olds: stored(), news: { libvirt: { ...lv, domain: "web02" }, maxVcpus: 4, vcpus: 2 }, want: { changes: true, replaces: ["libvirt"] } },
  };
  test.each(Object.entries(cases))("%s", async (_name, c) => {
    expect(await provider.diff!("id", c.olds, c.news)).toMatchObject(c.want);
  });

  test("a restart-needing change under refuse: COLD_CHANGE_REFUSED at preview", async () => {
    const err = await provider.diff!("id", stored(), { libvirt: lv, maxVcpus: 8, vcpus: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("COLD_CHANGE_REFUSED");
  });
});

describe("create, update and read over raw QMP", () => {
  let server: FakeQmpServer;
  let vm: FakeQemuVm;
  beforeEach(async () => ({ server, vm } = await startFakeQemu(4, 2)));
  afterEach(() => server.close());
  const inputs = (vcpus: number) => ({ __label: "web01-cpu", qmp: { socket: server.path }, maxVcpus: 4, vcpus, guestAgent: "off" });

  test("create adopts the VM and brings it to the spec; the id is the endpoint and QEMU's UUID", async () => {
    const r = await provider.create(inputs(3));
    expect(r.id).toBe(`qmp:${server.path}#${vm.uuid}`);
    expect(r.outs).toMatchObject({ vcpus: 3, liveVcpus: 3, declared: { vcpus: 3, maxVcpus: 4 }, __label: "web01-cpu" });
  });

  test("a failing step: the error carries the id and the state read afterwards (partial update)", async () => {
    server.handle("device_add", () => ({ error: { class: "GenericError", desc: "Not enough memory" } }));
    const err = (await provider.create(inputs(3)).catch((e: unknown) => e)) as ProviderError & { id?: string; properties?: Props; reasons?: string[] };
    expect({ code: err.code, id: err.id, vcpus: err.properties?.["vcpus"] }).toEqual({ code: "QMP_COMMAND_FAILED", id: `qmp:${server.path}#${vm.uuid}`, vcpus: 2 });
    expect(err.reasons).toEqual([expect.stringContaining("Not enough memory")]);
  });

  test("update keeps the id and returns what was read", async () => {
    const r = await provider.update!("the-id", {}, inputs(1));
    expect(r.outs).toMatchObject({ vcpus: 1, liveVcpus: 1 });
  });

  test("read returns live outputs and the refresh baseline, keeping what was declared", async () => {
    const { id, outs } = await provider.create(inputs(2));
    vm.plugged.add(2);
    const r = await provider.read!(id, outs);
    expect(r).toMatchObject({ id, props: { vcpus: 3, declared: { vcpus: 2 } }, inputs: { vcpus: 3 } });
  });
});

describe("read over libvirt", () => {
  let fake: FakeLibvirtd;
  beforeEach(async () => {
    fake = await FakeLibvirtd.start();
    FakeDomain.install(fake, { plugged: [0, 1] });
  });
  afterEach(() => fake.stop());

  test("a VM that no longer exists reads as gone: empty id", async () => {
    const props = toOutputs(runningVm(), desired({ libvirt: { uri: `qemu+unix:///system?socket=${fake.socketPath}`, domain: "nope" }, guestAgent: "off" }));
    expect(await provider.read!("some-id", props as unknown as Props)).toEqual({ id: "", props: {} });
  });
});

test("delete leaves the VM alone and contacts nothing", async () => {
  await expect(provider.delete!("id", stored())).resolves.toBeUndefined();
  expect(logs).toEqual([]);
});
