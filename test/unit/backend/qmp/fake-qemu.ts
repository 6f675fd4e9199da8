/**
 * A scripted x86 QEMU on {@link FakeQmpServer}: the commands the raw-QMP backend reads, and
 * `device_add`/`device_del` that plug and free slots. One socket per thread, no guest agent.
 */
import { FakeQmpServer } from "../../../fakes/qmp-server";

/** The VM the fake answers for. */
export interface FakeQemuVm {
  max: number;
  plugged: Set<number>;
  uuid: string;
  name?: string;
  status: string;
}

const slot = (vm: FakeQemuVm, id: number) => ({
  type: "qemu64-x86_64-cpu",
  "vcpus-count": 1,
  props: { "socket-id": id, "core-id": 0, "thread-id": 0 },
  ...(vm.plugged.has(id) ? { "qom-path": id === 0 ? `/machine/unattached/device[${id}]` : `/machine/peripheral/vcpu${id}` } : {}),
});

const QOM: Record<string, (vm: FakeQemuVm) => unknown> = {
  smp: (vm) => ({ cpus: vm.plugged.size, maxcpus: vm.max, sockets: vm.max, dies: 1, clusters: 1, cores: 1, threads: 1 }),
  type: () => "pc-q35-7.2-machine",
  acpi: () => "on",
};

/** Starts a fake QEMU with `plugged` of `max` vCPUs plugged. */
export async function startFakeQemu(max: number, plugged: number, uuid = "4f1c8a3e-0000-4000-8000-000000000001"): Promise<{ server: FakeQmpServer; vm: FakeQemuVm }> {
  const vm: FakeQemuVm = { max, plugged: new Set(Array.from({ length: plugged }, (_, i) => i)), uuid, name: "web01", status: "running" };
  const server = await FakeQmpServer.start();
  server
    .handle("query-status", () => ({ return: { running: vm.status === "running", status: vm.status } }))
    .handle("query-uuid", () => ({ return: { UUID: vm.uuid } }))
    .handle("query-name", () => ({ return: vm.name === undefined ? {} : { name: vm.name } }))
    .handle("query-version", () => ({ return: { qemu: { major: 7, minor: 2, micro: 22 }, package: "fake" } }))
    .handle("query-hotpluggable-cpus", () => ({ return: Array.from({ length: vm.max }, (_, i) => slot(vm, vm.max - 1 - i)) }))
    .handle("query-cpus-fast", () => ({
      return: [...vm.plugged].map((id) => ({ "cpu-index": id, "qom-path": slot(vm, id)["qom-path"], "thread-id": 100 + id, target: "x86_64" })),
    }))
    .handle("qom-get", (cmd) => ({ return: QOM[String(cmd.arguments?.["property"])]!(vm) }))
    .handle("device_add", (cmd) => {
      vm.plugged.add(Number(cmd.arguments?.["socket-id"]));
      return { return: {} };
    })
    .handle("device_del", (cmd) => {
      const id = Number(/vcpu(\d+)$/.exec(String(cmd.arguments?.["id"]))?.[1]);
      vm.plugged.delete(id);
      return { return: {} };
    });
  return { server, vm };
}
