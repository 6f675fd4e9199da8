/**
 * Machines with no OS (TCG, firmware only), reachable through QMP only: {@link rawQemuFirmwareOnly}, for checking
 * a target's hotplug slot rules (pseries cores, s390x) without a guest.
 */
import * as path from "node:path";
import { uniqueName } from "./exec";
import { checkSocketPath, makeTempDir } from "./files";
import { BASE_QEMU_ARGS, qemuFromRoot } from "./qemu-install";
import { startRaw, type RawQemu } from "./raw-qemu";

/** How to start a firmware-only machine (see {@link rawQemuFirmwareOnly}). */
export interface FirmwareOnlyOptions {
  binary: "qemu-system-ppc64" | "qemu-system-s390x" | "qemu-system-x86_64";
  machine: string;
  /** Full -smp value, e.g. "1,maxcpus=4,cores=4,threads=1". */
  smp: string;
  extraArgs?: string[];
  /** Default uniqueName("qvt-fw"). */
  name?: string;
  /** Start with -S (CPUs never run; default true). false also adds -no-shutdown. */
  paused?: boolean;
  /** Unpacked alternative QEMU root (as for rawQemu). */
  qemuRoot?: string;
}

/** A running firmware-only machine: the QMP and process parts of {@link RawQemu} (no agent, no console CPUs). */
export type RawQemuFirmwareOnly = Pick<RawQemu, "name" | "qmpSocket" | "pid" | "dir" | "serialLog" | "argv" | "startedAt" | "qmp" | "alive" | "stop">;

/**
 * A machine with no OS (TCG, firmware only), reachable through QMP only: for checking a target's hotplug slot
 * rules (pseries cores, s390x) without a guest. Paused (-S) by default.
 */
export async function rawQemuFirmwareOnly(opts: FirmwareOnlyOptions): Promise<RawQemuFirmwareOnly> {
  const name = opts.name ?? uniqueName("qvt-fw");
  const inst = opts.qemuRoot ? qemuFromRoot(opts.qemuRoot, opts.binary) : undefined;
  const binary = inst?.binary ?? opts.binary;
  const dir = makeTempDir(name);
  const qmpSocket = path.join(dir, "qmp.sock");
  checkSocketPath(dir, qmpSocket);
  const serialLog = path.join(dir, "console.log");
  const argv = [
    ...(inst?.args ?? BASE_QEMU_ARGS),
    "-name", name,
    "-machine", opts.machine,
    "-accel", "tcg",
    "-smp", opts.smp,
    "-m", "256",
    "-display", "none",
    "-serial", `file:${serialLog}`,
    "-qmp", `unix:${qmpSocket},server=on,wait=off`,
    ...(opts.paused === false ? ["-no-shutdown"] : ["-S"]),
    ...(opts.extraArgs ?? []),
  ];
  const r = await startRaw(name, binary, argv, inst?.env ?? {}, dir, qmpSocket, "", serialLog);
  const { qmpSocket: q, pid, serialLog: s, argv: a, startedAt, qmp, alive, stop } = r;
  return { name, qmpSocket: q, pid, dir, serialLog: s, argv: a, startedAt, qmp, alive, stop };
}
