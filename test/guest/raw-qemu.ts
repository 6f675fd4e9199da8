/**
 * The test guest on `qemu-system-x86_64` directly (no libvirt), as a tracked child process with QMP and qemu-ga
 * chardev sockets: {@link rawQemu}. {@link startRaw} (spawn, wait for QMP, build the handle) is shared with
 * firmware-only machines (firmware-only.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { agentExchange, guestCpuQueries } from "./agent";
import { bootBudget } from "./boot-budget";
import { accelerator, ensureGuestBuilt } from "./build";
import { readConsoleCpus, type ConsoleCpus } from "./console";
import { fatal, isFatal, pollUntil, uniqueName } from "./exec";
import { checkSocketPath, makeTempDir, rmrf, tailOf } from "./files";
import { guestNumaNodes, numaCells, type GuestNode } from "./numa";
import { guestCmdline } from "./paths";
import { QmpClient } from "./qmp-client";
import { BASE_QEMU_ARGS, qemuFromRoot } from "./qemu-install";
import { defaultTopology, type Topology } from "./topology";
import { killAndWait, track, untrack } from "./tracking";

/** How to start a raw QEMU test guest (see {@link rawQemu}). */
export interface RawQemuOptions {
  machine: string;
  maxVcpus: number;
  vcpus: number;
  topology?: Topology;
  /** virtio-serial + qemu-ga chardev socket (default true). */
  agent?: boolean;
  /** Default qemu-system-x86_64 (from PATH, or <qemuRoot>/usr/bin when qemuRoot is set). */
  qemuBinary?: string;
  /** Root of an unpacked alternative QEMU (see qemu10); sets QEMU_MODULE_DIR, -L and LD_LIBRARY_PATH. */
  qemuRoot?: string;
  extraArgs?: string[];
  /** Used for the temp dir and for cleanupLeftovers; default uniqueName("qvt-raw"). */
  name?: string;
  memoryMiB?: number;
  accel?: "kvm" | "qemu";
  cpuModel?: string;
  extraCmdline?: string;
  /** NUMA nodes (`-numa node` with a RAM backend each, `-numa cpu` per socket); memory defaults to 128 MiB per node. */
  numaNodes?: number;
}

/** A running raw QEMU test guest (from {@link rawQemu}). */
export interface RawQemu {
  name: string;
  qmpSocket: string;
  /** qemu-ga chardev socket ("" when agent=false). */
  agentSocket: string;
  pid: number;
  dir: string;
  serialLog: string;
  /** The full command line. */
  argv: string[];
  startedAt: number;
  /** Syncs with the agent (guest-sync-delimited + 0xFF); resolves with ms from spawn to the first answer. */
  waitForAgent(timeoutMs: number): Promise<number>;
  /** One agent command over a fresh connection (sync first); resolves with its `return`. */
  agentCommand<T = unknown>(execute: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  guestOnlineCpus(): Promise<number[]>;
  guestPresentCpus(): Promise<number[]>;
  consoleCpus(): ConsoleCpus | null;
  /** The guest's `/sys/devices/system/node` through the agent: per node, its CPUs and those online (logical ids). */
  guestNumaNodes(): Promise<Record<number, GuestNode>>;
  /** Connects a new QMP client (close it when done: one client at a time). */
  qmp(timeoutMs?: number): Promise<QmpClient>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after 5 s; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/**
 * How long one attempt to reach the booting guest's agent waits before the boot budget is checked again: short
 * against a boot (2–3 s of CPU), so a budget is enforced to about a second, not after the first long attempt.
 */
const AGENT_SLICE_MS = 1_000;

interface Spawned {
  child: ChildProcess;
  exited: () => boolean;
  exitInfo: () => string;
}

function spawnQemu(binary: string, argv: string[], env: Record<string, string>, dir: string, name: string): Spawned {
  const errFd = fs.openSync(path.join(dir, "qemu.stderr"), "w");
  const child = spawn(binary, argv, { stdio: ["ignore", errFd, errFd], env: { ...process.env, ...env } });
  fs.closeSync(errFd);
  let exit: string | undefined;
  child.on("exit", (code, signal) => {
    exit = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  child.on("error", (e) => {
    exit = `spawn error ${e.message}`;
  });
  if (child.pid !== undefined) track({ pid: child.pid, name, dir, owner: process.pid, binary });
  return { child, exited: () => exit !== undefined, exitInfo: () => exit ?? "running" };
}

function qemuStderr(dir: string): string {
  return tailOf(path.join(dir, "qemu.stderr"), 20);
}

/**
 * Starts the test guest on `qemu-system-x86_64` directly (no libvirt), as a child process (no -daemonize), with
 * QMP at <dir>/qmp.sock and the agent at <dir>/qga.sock (note §1.7). Resolves once QMP accepts connections
 * (then closed again, leaving the socket free).
 */
export async function rawQemu(opts: RawQemuOptions): Promise<RawQemu> {
  const img = await ensureGuestBuilt();
  const name = opts.name ?? uniqueName("qvt-raw");
  const topo = defaultTopology(opts.maxVcpus, opts.topology);
  if (opts.vcpus < 1 || opts.vcpus > opts.maxVcpus) throw new Error(`vcpus must be in 1..${opts.maxVcpus}`);
  const inst = opts.qemuRoot ? qemuFromRoot(opts.qemuRoot) : undefined;
  const binary = opts.qemuBinary ?? inst?.binary ?? "qemu-system-x86_64";
  const dir = makeTempDir(name);
  const qmpSocket = path.join(dir, "qmp.sock");
  const agentSocket = opts.agent === false ? "" : path.join(dir, "qga.sock");
  checkSocketPath(dir, qmpSocket);
  const serialLog = path.join(dir, "console.log");
  const accel = opts.accel ?? accelerator();
  const memoryMiB = opts.memoryMiB ?? 128 * (opts.numaNodes ?? 1);
  const argv = [
    ...(inst?.args ?? BASE_QEMU_ARGS),
    "-name", name,
    "-machine", opts.machine,
    "-accel", accel === "kvm" ? "kvm" : "tcg",
    "-cpu", opts.cpuModel ?? "qemu64",
    "-smp", `${opts.vcpus},maxcpus=${opts.maxVcpus},sockets=${topo.sockets},dies=${topo.dies},cores=${topo.cores},threads=${topo.threads}`,
    "-m", String(memoryMiB),
    "-display", "none",
    "-no-reboot",
    "-kernel", img.vmlinux,
    "-initrd", img.initramfs,
    "-append", guestCmdline(opts.extraCmdline),
    "-serial", `file:${serialLog}`,
    "-qmp", `unix:${qmpSocket},server=on,wait=off`,
  ];
  if (agentSocket) {
    argv.push(
      "-chardev", `socket,id=qga0,path=${agentSocket},server=on,wait=off`,
      "-device", "virtio-serial-pci,id=vser0",
      "-device", "virtserialport,bus=vser0.0,nr=1,chardev=qga0,name=org.qemu.guest_agent.0",
    );
  }
  if (opts.numaNodes) argv.push(...numaArgs(opts.numaNodes, opts.maxVcpus, memoryMiB, topo));
  argv.push(...(opts.extraArgs ?? []));
  return startRaw(name, binary, argv, inst?.env ?? {}, dir, qmpSocket, agentSocket, serialLog);
}

/** `-object memory-backend-ram` + `-numa node` per node and `-numa cpu` per socket (see numaCells). */
function numaArgs(nodes: number, maxVcpus: number, memoryMiB: number, topo: Topology): string[] {
  return numaCells(nodes, maxVcpus, memoryMiB, topo).flatMap((c) => [
    "-object", `memory-backend-ram,id=numa-mem${c.id},size=${c.memoryMiB}M`,
    "-numa", `node,nodeid=${c.id},memdev=numa-mem${c.id}`,
    ...c.sockets.flatMap((s) => ["-numa", `cpu,node-id=${c.id},socket-id=${s}`]),
  ]);
}

/**
 * Spawns (and tracks) `binary argv…` with its stderr in <dir>/qemu.stderr, waits until it creates `qmpSocket`,
 * and returns the {@link RawQemu} handle (agent methods need `agentSocket`; "" = none). If QEMU exits or never
 * creates the socket, it is stopped (dir removed) and this rejects with its stderr.
 */
export async function startRaw(
  name: string,
  binary: string,
  argv: string[],
  env: Record<string, string>,
  dir: string,
  qmpSocket: string,
  agentSocket: string,
  serialLog: string,
): Promise<RawQemu> {
  const startedAt = Date.now();
  const sp = spawnQemu(binary, argv, env, dir, name);
  const pid = sp.child.pid ?? -1;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (pid > 0) await killAndWait(pid, sp.exited);
    untrack(name);
    rmrf(dir);
  };
  try {
    // QMP socket up = QEMU parsed its arguments and created its chardevs.
    await pollUntil(
      `QEMU ${name} to create ${qmpSocket}`,
      () => {
        if (sp.exited()) throw fatal(`QEMU ${name} ${sp.exitInfo()}: ${qemuStderr(dir)}\ncommand: ${binary} ${argv.join(" ")}`);
        return fs.existsSync(qmpSocket);
      },
      { timeoutMs: 15_000, intervalMs: 10 },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  const deadFatal = () => fatal(`QEMU ${name} ${sp.exitInfo()}: ${qemuStderr(dir)}\nconsole:\n${tailOf(serialLog)}`);
  const abort = () => (sp.exited() ? deadFatal() : undefined);
  const agentCommand = async <T,>(execute: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<T> => {
    if (!agentSocket) throw new Error(`${name} has no agent`);
    if (sp.exited()) throw deadFatal();
    return (await agentExchange<T>(agentSocket, timeoutMs, args ? { execute, arguments: args } : { execute }, 250, abort)) as T;
  };
  return {
    name,
    qmpSocket,
    agentSocket,
    pid,
    dir,
    serialLog,
    argv: [binary, ...argv],
    startedAt,
    async waitForAgent(timeoutMs: number) {
      if (!agentSocket) throw new Error(`${name} has no agent`);
      const budget = bootBudget(`guest agent of ${name}`, () => (sp.exited() ? undefined : pid), timeoutMs, serialLog);
      const deadline = Date.now() + budget.wallCapMs;
      for (;;) {
        try {
          budget.check();
          // In slices, so the budget is checked while the guest boots.
          await agentExchange(agentSocket, Math.max(1, Math.min(AGENT_SLICE_MS, deadline - Date.now())), undefined, 250, abort);
          return Date.now() - startedAt;
        } catch (e) {
          if (isFatal(e)) throw e;
          if ((e as { connection?: boolean }).connection) {
            // The socket broke: almost always QEMU exiting. Give its exit event a moment to arrive.
            const gone = await pollUntil("QEMU exit", () => sp.exited(), { timeoutMs: 1000, intervalMs: 10 }).catch(() => false);
            if (gone) throw deadFatal();
          }
          if (Date.now() < deadline) continue;
          throw new Error(`${(e as Error).message} (${budget.describe()})\nconsole:\n${tailOf(serialLog)}`);
        }
      }
    },
    agentCommand,
    ...guestCpuQueries(agentCommand),
    consoleCpus() {
      return readConsoleCpus(serialLog);
    },
    guestNumaNodes() {
      return guestNumaNodes(agentCommand);
    },
    qmp(timeoutMs = 10_000) {
      if (sp.exited()) return Promise.reject(deadFatal());
      return QmpClient.connect(qmpSocket, timeoutMs);
    },
    alive() {
      return !sp.exited();
    },
    stop,
  };
}
