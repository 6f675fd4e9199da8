/**
 * A stack reaching its VM through `pulumi-qemu-vcpu gateway` (issue 11): the token comes from stack config
 * through the provider host's Configure → the provider's `configure`, and neither the serialized provider
 * (`__provider`) nor anything else in the state holds it. Through Pulumi's real dynamic-provider host
 * (test/engine), against a firmware-only QEMU behind a gateway on loopback.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupLeftovers, rawQemuFirmwareOnly, uniqueName, type RawQemuFirmwareOnly } from "../../guest/guest";
import { MiniEngine } from "../../engine/engine";
import { vmCpuProgram } from "../../engine/programs/vm-cpu";
import { PROGRAMS_DIR, captureTest, outcome } from "../../engine/scenario";
import { projectName } from "../../engine/capture";
import { startTestGateway, type TestGateway } from "../remote/gateway-fixture";

const RUN = uniqueName("qvt-eng-gw");
const TOKEN = "tok-stack-secret-4b1f0e2d9a";

let vm: RawQemuFirmwareOnly;
let gw: TestGateway;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "qvt-gw-"));
  vm = await rawQemuFirmwareOnly({ binary: "qemu-system-x86_64", machine: "q35", smp: "1,maxcpus=4,cores=4,threads=1", name: RUN });
  gw = await startTestGateway({ fw: { qmp: vm.qmpSocket } }, [{ name: "stack", token: TOKEN, vms: ["fw"] }]);
});

afterAll(async () => {
  await gw?.close();
  await vm?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
});

test("up and refresh through the gateway with the token from stack config; the state holds no token", async () => {
  const engine = new MiniEngine({ programDir: PROGRAMS_DIR, project: projectName(PROGRAMS_DIR), stack: "dev", config: { "qemu-vcpu:gatewayToken": TOKEN } });
  const regs = await captureTest(vmCpuProgram("gw-cpu", { qmp: { url: gw.url("fw"), ca: gw.ca }, maxVcpus: 4, vcpus: 1, guestAgent: "off" }));
  expect(String(regs[0]!.inputs["__provider"])).not.toContain(TOKEN);
  const up = await engine.up(regs);
  expect(outcome(up)).toBe("ok");
  const refresh = await engine.refresh();
  expect(outcome(refresh)).toBe("ok");
  const state = JSON.stringify([...engine.state.values()]);
  expect(state).toContain(gw.url("fw"));
  expect(state).toContain("__provider");
  expect(state).not.toContain(TOKEN);
  expect([...engine.state.values()][0]!.outputs).toMatchObject({ liveVcpus: 1, maxVcpus: 4 });
  // The provider host reached QEMU through the gateway as the stack's client.
  expect(gw.audit.some((e) => e.client === "stack" && e.command === "query-hotpluggable-cpus" && e.verdict === "allowed")).toBe(true);
});

test("without the token in stack config, up fails naming the config key; nothing is recorded", async () => {
  const engine = new MiniEngine({ programDir: PROGRAMS_DIR, project: projectName(PROGRAMS_DIR), stack: "dev" });
  const regs = await captureTest(vmCpuProgram("gw-cpu", { qmp: { url: gw.url("fw"), ca: gw.ca }, maxVcpus: 4, vcpus: 1, guestAgent: "off" }));
  const up = await engine.up(regs);
  expect(outcome(up)).toMatch(/pulumi config set --secret qemu-vcpu:gatewayToken <token>/);
  expect(engine.state.size).toBe(0);
});
