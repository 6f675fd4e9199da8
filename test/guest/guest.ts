/**
 * Test-guest fixtures: a tiny Linux guest (test/guest/build.sh) run under libvirt (through `virsh`) or as a raw
 * `qemu-system-*` child process with QMP and qemu-guest-agent sockets. See shared/notes/test-guest.md.
 *
 * Deliberately independent of provider/: only node builtins and the `virsh` CLI, so that fixtures do not share
 * bugs with the code under test.
 *
 * Everything polls with deadlines (no fixed sleeps). Names come from {@link uniqueName} so that parallel runs by
 * several people on one host do not collide; {@link cleanupLeftovers} removes what a crashed run left behind.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

// ------------------------------------------------------------------------------------------------ paths, constants

/**
 * Repository root: the nearest directory above this file holding test/guest/build.sh (this file
 * runs from test/guest/ under ts-jest, and from dist/test/guest/ when compiled for bench/demo).
 */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "test", "guest", "build.sh"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root (test/guest/build.sh) above ${from}`);
  }
}
const GUEST_DIR = path.join(REPO_ROOT, "test", "guest");
const CACHE = path.join(REPO_ROOT, ".cache");
/** Where build.sh puts the guest. */
export const GUEST_OUT_DIR = path.join(CACHE, "guest");
/** One JSON file per live raw QEMU process started by {@link rawQemu} / {@link rawQemuFirmwareOnly}. */
const RAW_TRACK_DIR = path.join(CACHE, "test-guest", "raw");

/** Kernel command line: `quiet` plus the TCG speed-ups measured in the note (§1.5). */
export const GUEST_CMDLINE = "console=ttyS0 quiet panic=-1 cryptomgr.notests mitigations=off lpj=8388836 no_timer_check";

/** libvirt URI used by every virsh call here (env TEST_LIBVIRT_URI overrides). */
export const LIBVIRT_URI = process.env.TEST_LIBVIRT_URI ?? "qemu:///system";

const POLL_MS = 50;

// ------------------------------------------------------------------------------------------------ small utilities

export interface Topology {
  sockets: number;
  dies?: number;
  cores: number;
  threads: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Error from a command: carries the exit code and both output streams. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} failed (${code}): ${(stderr || stdout).trim()}`);
    this.name = "CommandError";
  }
}

function run(
  file: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: opts.env ?? process.env, cwd: opts.cwd },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
          const killed = (err as { killed?: boolean }).killed ? " (killed: timeout)" : "";
          reject(new CommandError(`${file} ${args.join(" ")}${killed}`, code, String(stdout), String(stderr)));
        } else {
          resolve({ stdout: String(stdout), stderr: String(stderr) });
        }
      },
    );
  });
}

/** Runs `virsh -c LIBVIRT_URI ARGS…`; rejects with {@link CommandError} (stderr has virsh's `error: …`). */
export function virsh(args: string[], timeoutMs = 60_000): Promise<ExecResult> {
  return run("virsh", ["-q", "-c", LIBVIRT_URI, ...args], { timeoutMs });
}

/**
 * Polls `probe` every `intervalMs` until it returns something other than `undefined`/`false`, or throws
 * `Timed out waiting for <what>` (with the last probe error, if any) after `timeoutMs`.
 * A probe that throws is retried unless the error has `fatal: true`.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? POLL_MS;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      if ((e as { fatal?: boolean }).fatal) throw e;
      lastErr = e;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const why = lastErr instanceof Error ? `: last error: ${lastErr.message}` : "";
      throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(interval, left)));
  }
}

function fatal(message: string): Error {
  return Object.assign(new Error(message), { fatal: true });
}

let nameCounter = 0;
/**
 * `<prefix>-<pid>-<time36><n>`: unique across processes and runs; the embedded pid lets
 * {@link cleanupLeftovers} with `staleOnly` recognise leftovers of dead test processes.
 */
export function uniqueName(prefix: string): string {
  nameCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}${nameCounter.toString(36)}`;
}

function ownerPidOf(name: string): number | undefined {
  const m = /-(\d+)-[0-9a-z]+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&apos;").replace(/"/g, "&quot;");
}

function tailOf(file: string, lines = 40): string {
  try {
    const text = fs.readFileSync(file, "utf8").replace(/\r/g, "");
    return text.split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function makeTempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  // QEMU under libvirt runs as libvirt-qemu; the directory only needs to be traversable/readable.
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Unix socket paths are limited to 107 bytes (sun_path). */
function checkSocketPath(dir: string, socketPath: string): void {
  if (Buffer.byteLength(socketPath) > 107) {
    rmrf(dir);
    throw new Error(`socket path too long for AF_UNIX (${Buffer.byteLength(socketPath)} > 107 bytes): ${socketPath}; use a shorter name`);
  }
}

function rmrf(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

// ------------------------------------------------------------------------------------------------ guest build

export interface GuestImage {
  vmlinux: string;
  initramfs: string;
  /** true when build.sh found an up-to-date stamp and did nothing. */
  cached: boolean;
  /** Wall time of the build.sh run, ms. */
  buildMs: number;
  /** build.sh's stdout (timings per step). */
  log: string;
}

let buildPromise: Promise<GuestImage> | undefined;

/** Runs test/guest/build.sh once per process (build.sh itself is stamp-cached and flock-serialised). */
export function ensureGuestBuilt(): Promise<GuestImage> {
  buildPromise ??= (async () => {
    const t0 = Date.now();
    let out: ExecResult;
    try {
      out = await run("bash", [path.join(GUEST_DIR, "build.sh")], { timeoutMs: 300_000 });
    } catch (e) {
      buildPromise = undefined;
      throw e;
    }
    const vmlinux = /^VMLINUX=(.*)$/m.exec(out.stdout)?.[1];
    const initramfs = /^INITRAMFS=(.*)$/m.exec(out.stdout)?.[1];
    if (!vmlinux || !initramfs) throw new Error(`build.sh printed no VMLINUX=/INITRAMFS= lines:\n${out.stdout}${out.stderr}`);
    return { vmlinux, initramfs, cached: /up to date/.test(out.stdout), buildMs: Date.now() - t0, log: out.stdout + out.stderr };
  })();
  return buildPromise;
}

/**
 * "kvm" only where a real VMX/SVM KVM can run a Linux guest: /proc/cpuinfo has vmx or svm and the module is not
 * the paravirtual kvm_pvm (which cannot run the Debian kernel: see the note §3.1). Otherwise "qemu" (TCG).
 * Env TEST_GUEST_ACCEL=kvm|qemu|tcg overrides.
 */
export function accelerator(): "kvm" | "qemu" {
  const env = process.env.TEST_GUEST_ACCEL;
  if (env === "kvm") return "kvm";
  if (env === "qemu" || env === "tcg") return "qemu";
  if (env) throw new Error(`TEST_GUEST_ACCEL must be kvm, qemu or tcg, not ${JSON.stringify(env)}`);
  let cpuinfo = "";
  try {
    cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "qemu";
  }
  const hasVirt = /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);
  const pvm = fs.existsSync("/sys/module/kvm_pvm");
  return hasVirt && !pvm && fs.existsSync("/dev/kvm") ? "kvm" : "qemu";
}

// ------------------------------------------------------------------------------------------------ libvirt domains

export interface DomainOptions {
  /** Full domain name (use {@link uniqueName}). */
  name: string;
  /** "pc" (default), "q35" or a versioned machine type. */
  machine?: "pc" | "q35" | string;
  maxVcpus: number;
  /** vCPUs present at boot (`<vcpu current=…>`). */
  vcpus: number;
  /** Default: 1 socket, 1 die, maxVcpus cores, 1 thread. */
  topology?: Topology;
  /** virtio-serial channel org.qemu.guest_agent.0 (default true). */
  agent?: boolean;
  /** `<acpi/>` feature; x86 CPU hotplug needs it (default true). */
  acpi?: boolean;
  /** Default 128. */
  memoryMiB?: number;
  /**
   * Emit `<vcpus>`: vcpu 0 hotpluggable='no', 1..max-1 hotpluggable='yes', enabled for ids < vcpus. Without it
   * libvirt makes every boot vCPU non-hotpluggable (so they can never be unplugged).
   */
  hotpluggableVcpus?: boolean;
  /** Serial console file (default: <temp dir>/console.log). */
  serialLog?: string;
  /** Default {@link accelerator}(). */
  accel?: "kvm" | "qemu";
  /** Default .cache/guest/vmlinux and initramfs.cpio.gz. */
  kernel?: string;
  initrd?: string;
  /** Appended to {@link GUEST_CMDLINE}. */
  extraCmdline?: string;
  /** CPU model (default qemu64). */
  cpuModel?: string;
  /** `<emulator>` path (default: libvirt's choice). */
  emulator?: string;
}

function defaultTopology(maxVcpus: number, t?: Topology): Required<Topology> {
  const topo = { sockets: t?.sockets ?? 1, dies: t?.dies ?? 1, cores: t?.cores ?? maxVcpus, threads: t?.threads ?? 1 };
  const product = topo.sockets * topo.dies * topo.cores * topo.threads;
  if (product !== maxVcpus) {
    throw new Error(`topology ${JSON.stringify(topo)} gives ${product} vCPUs, not maxVcpus=${maxVcpus}`);
  }
  return topo;
}

/** Domain XML for the test guest (note §1.6). Pure; does not check that the kernel exists. */
export function domainXml(opts: DomainOptions): string {
  const { name, maxVcpus, vcpus } = opts;
  if (!Number.isInteger(maxVcpus) || maxVcpus < 1) throw new Error(`maxVcpus must be a positive integer: ${maxVcpus}`);
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > maxVcpus) throw new Error(`vcpus must be in 1..${maxVcpus}: ${vcpus}`);
  const topo = defaultTopology(maxVcpus, opts.topology);
  const accel = opts.accel ?? accelerator();
  const kernel = opts.kernel ?? path.join(GUEST_OUT_DIR, "vmlinux");
  const initrd = opts.initrd ?? path.join(GUEST_OUT_DIR, "initramfs.cpio.gz");
  const cmdline = opts.extraCmdline ? `${GUEST_CMDLINE} ${opts.extraCmdline}` : GUEST_CMDLINE;
  const serial = opts.serialLog;
  const e = xmlEscape;
  const lines: string[] = [];
  lines.push(`<domain type='${accel}'>`);
  lines.push(`  <name>${e(name)}</name>`);
  lines.push(`  <memory unit='MiB'>${opts.memoryMiB ?? 128}</memory>`);
  lines.push(`  <vcpu placement='static' current='${vcpus}'>${maxVcpus}</vcpu>`);
  if (opts.hotpluggableVcpus) {
    lines.push("  <vcpus>");
    for (let id = 0; id < maxVcpus; id++) {
      const enabled = id < vcpus;
      const order = enabled ? ` order='${id + 1}'` : "";
      lines.push(`    <vcpu id='${id}' enabled='${enabled ? "yes" : "no"}' hotpluggable='${id === 0 ? "no" : "yes"}'${order}/>`);
    }
    lines.push("  </vcpus>");
  }
  lines.push("  <os>");
  lines.push(`    <type arch='x86_64' machine='${e(opts.machine ?? "pc")}'>hvm</type>`);
  lines.push(`    <kernel>${e(kernel)}</kernel>`);
  lines.push(`    <initrd>${e(initrd)}</initrd>`);
  lines.push(`    <cmdline>${e(cmdline)}</cmdline>`);
  lines.push("  </os>");
  lines.push(`  <features>${opts.acpi === false ? "" : "<acpi/>"}<apic/></features>`);
  lines.push("  <cpu mode='custom' match='exact' check='none'>");
  lines.push(`    <model fallback='forbid'>${e(opts.cpuModel ?? "qemu64")}</model>`);
  lines.push(`    <topology sockets='${topo.sockets}' dies='${topo.dies}' cores='${topo.cores}' threads='${topo.threads}'/>`);
  lines.push("  </cpu>");
  lines.push("  <clock offset='utc'/>");
  lines.push("  <on_poweroff>destroy</on_poweroff>");
  lines.push("  <on_reboot>destroy</on_reboot>");
  lines.push("  <on_crash>destroy</on_crash>");
  lines.push("  <devices>");
  if (opts.emulator) lines.push(`    <emulator>${e(opts.emulator)}</emulator>`);
  lines.push("    <controller type='usb' model='none'/>");
  if (serial) {
    lines.push(`    <serial type='file'><source path='${e(serial)}' append='off'/><target port='0'/></serial>`);
    lines.push(`    <console type='file'><source path='${e(serial)}' append='off'/><target type='serial' port='0'/></console>`);
  } else {
    lines.push("    <serial type='null'><target port='0'/></serial>");
  }
  if (opts.agent !== false) {
    lines.push("    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>");
  }
  lines.push("    <memballoon model='none'/>");
  lines.push("  </devices>");
  lines.push("</domain>");
  return lines.join("\n") + "\n";
}

/** Parsed `GI: CPUS uptime=… cpu0=1 cpu1=0 …` line of the guest's /init. */
export interface ConsoleCpus {
  /** Guest uptime in seconds when the line was printed. */
  uptime: number;
  /** CPUs the guest kernel knows (sorted). */
  present: number[];
  /** Those online (sorted). */
  online: number[];
  line: string;
}

/** Parses the last `GI: CPUS` line of a serial log; null when there is none (yet). */
export function parseConsoleCpus(log: string): ConsoleCpus | null {
  const lines = log.replace(/\r/g, "").split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? "";
    const m = /GI: CPUS uptime=([0-9.]+)((?: cpu\d+=[01])*)\s*$/.exec(line);
    if (!m) continue;
    const present: number[] = [];
    const online: number[] = [];
    for (const c of (m[2] ?? "").matchAll(/cpu(\d+)=([01])/g)) {
      const id = Number(c[1]);
      present.push(id);
      if (c[2] === "1") online.push(id);
    }
    const byNum = (a: number, b: number) => a - b;
    return { uptime: Number(m[1]), present: present.sort(byNum), online: online.sort(byNum), line: line.trim() };
  }
  return null;
}

function readConsoleCpus(serialLog: string): ConsoleCpus | null {
  let text: string;
  try {
    text = fs.readFileSync(serialLog, "utf8");
  } catch {
    return null;
  }
  return parseConsoleCpus(text);
}

interface AgentVcpu {
  "logical-id": number;
  online: boolean;
  "can-offline"?: boolean;
}

function vcpuLists(vcpus: AgentVcpu[]): { present: number[]; online: number[] } {
  const sorted = [...vcpus].sort((a, b) => a["logical-id"] - b["logical-id"]);
  return { present: sorted.map((v) => v["logical-id"]), online: sorted.filter((v) => v.online).map((v) => v["logical-id"]) };
}

export interface TestDomain {
  name: string;
  uuid: string;
  /** Serial console file (CRLF line ends). */
  serialLog: string;
  /** Temp dir holding the XML and (by default) the serial log; removed by destroy(). */
  dir: string;
  /** The XML it was defined/created with. */
  xml: string;
  /** Date.now() just before `virsh start`/`virsh create`. */
  startedAt: number;
  /**
   * Polls guest-ping (every 50 ms) until the agent answers. Resolves with ms from {@link startedAt} to the first
   * answer; rejects early (with the console tail) if the domain stops running.
   */
  waitForAgent(timeoutMs: number): Promise<number>;
  /** `virsh qemu-agent-command NAME {"execute":…}`: the parsed `return` value. */
  agentCommand<T = unknown>(execute: string, args?: Record<string, unknown>, timeoutS?: number): Promise<T>;
  /** Sorted logical ids with online=true, from guest-get-vcpus. */
  guestOnlineCpus(): Promise<number[]>;
  /** Sorted logical ids of all CPUs the guest knows, from guest-get-vcpus. */
  guestPresentCpus(): Promise<number[]>;
  /** Last `GI: CPUS` line of the serial log, parsed; null if none yet. */
  consoleCpus(): ConsoleCpus | null;
  /** `virsh domstate` (e.g. "running", "shut off"), or "gone" if the domain does not exist. */
  state(): Promise<string>;
  /** destroy + undefine + remove the temp dir. Idempotent; never throws when the domain is already gone. */
  destroy(): Promise<void>;
}

const GONE_RE = /failed to get domain|Domain not found|no domain with matching/i;
const NOT_RUNNING_RE = /domain is not running|not running/i;

async function destroyDomain(name: string): Promise<void> {
  try {
    await virsh(["destroy", name], 30_000);
  } catch (e) {
    const msg = e instanceof CommandError ? e.stderr : String(e);
    if (!GONE_RE.test(msg) && !NOT_RUNNING_RE.test(msg)) {
      // Re-check: only complain if it is still running.
      const st = await domainState(name);
      if (st === "running" || st === "paused") throw e;
    }
  }
  try {
    await virsh(["undefine", name], 30_000);
  } catch (e) {
    const msg = e instanceof CommandError ? e.stderr : String(e);
    if (!GONE_RE.test(msg) && !/transient domain/i.test(msg)) {
      if ((await domainState(name)) !== "gone") throw e;
    }
  }
}

async function domainState(name: string): Promise<string> {
  try {
    return (await virsh(["domstate", name], 15_000)).stdout.trim();
  } catch (e) {
    if (e instanceof CommandError && GONE_RE.test(e.stderr)) return "gone";
    throw e;
  }
}

/**
 * Defines and starts (persistent, default) or creates (transient) a test domain. Builds the guest first
 * (cached). On failure the half-made domain is removed again.
 */
export async function startTestDomain(opts: DomainOptions & { persistent?: boolean }): Promise<TestDomain> {
  const img = await ensureGuestBuilt();
  const dir = makeTempDir(opts.name);
  const serialLog = opts.serialLog ?? path.join(dir, "console.log");
  const xml = domainXml({ kernel: img.vmlinux, initrd: img.initramfs, ...opts, serialLog });
  const xmlFile = path.join(dir, "domain.xml");
  fs.writeFileSync(xmlFile, xml);
  const name = opts.name;
  const persistent = opts.persistent !== false;
  let startedAt = Date.now();
  try {
    if (persistent) {
      await virsh(["define", xmlFile]);
      startedAt = Date.now();
      await virsh(["start", name]);
    } else {
      startedAt = Date.now();
      await virsh(["create", xmlFile]);
    }
  } catch (e) {
    await destroyDomain(name).catch(() => undefined);
    rmrf(dir);
    throw e;
  }
  const uuid = (await virsh(["domuuid", name])).stdout.trim();

  const agentCommand = async <T,>(execute: string, args?: Record<string, unknown>, timeoutS = 5): Promise<T> => {
    const cmd = JSON.stringify(args ? { execute, arguments: args } : { execute });
    const out = await virsh(["qemu-agent-command", name, "--timeout", String(timeoutS), cmd], (timeoutS + 10) * 1000);
    const parsed = JSON.parse(out.stdout) as { return?: T; error?: unknown };
    if (parsed.error !== undefined) throw new Error(`agent ${execute}: ${JSON.stringify(parsed.error)}`);
    return parsed.return as T;
  };
  const guestVcpus = async () => vcpuLists(await agentCommand<AgentVcpu[]>("guest-get-vcpus"));

  let destroyed = false;
  const dom: TestDomain = {
    name,
    uuid,
    serialLog,
    dir,
    xml,
    startedAt,
    async waitForAgent(timeoutMs: number): Promise<number> {
      let polls = 0;
      await pollUntil(
        `guest agent of ${name}`,
        async () => {
          polls += 1;
          try {
            await agentCommand("guest-ping", undefined, 2);
            return true;
          } catch (e) {
            const msg = e instanceof CommandError ? e.stderr : String(e);
            // Agent not connected yet is the normal case; a domain that is no longer running is not.
            if (polls % 10 === 0 || NOT_RUNNING_RE.test(msg) || GONE_RE.test(msg)) {
              const st = await domainState(name);
              if (st !== "running") {
                throw fatal(`domain ${name} is ${st} while waiting for the agent; console:\n${tailOf(serialLog)}`);
              }
            }
            throw e;
          }
        },
        { timeoutMs, intervalMs: POLL_MS },
      ).catch((e: unknown) => {
        if ((e as { fatal?: boolean }).fatal) throw e;
        throw new Error(`${(e as Error).message}\nconsole:\n${tailOf(serialLog)}`);
      });
      return Date.now() - startedAt;
    },
    agentCommand,
    async guestOnlineCpus() {
      return (await guestVcpus()).online;
    },
    async guestPresentCpus() {
      return (await guestVcpus()).present;
    },
    consoleCpus() {
      return readConsoleCpus(serialLog);
    },
    state() {
      return domainState(name);
    },
    async destroy() {
      if (destroyed) return;
      await destroyDomain(name);
      destroyed = true;
      rmrf(dir); // a caller-provided serialLog lives elsewhere and is kept
    },
  };
  return dom;
}

// ------------------------------------------------------------------------------------------------ QMP client

export interface QmpGreeting {
  QMP: { version: { qemu: { major: number; minor: number; micro: number }; package: string }; capabilities: string[] };
}

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

/** Error reply from QMP (`{"error":{"class","desc"}}`). */
export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP ${command}: ${errorClass}: ${desc}`);
    this.name = "QmpError";
  }
}

/**
 * Minimal QMP client for fixtures: greeting, qmp_capabilities, id-matched commands, events collected in
 * {@link QmpClient.events}. QEMU serves one QMP client per socket at a time: close() it when done so that the
 * code under test can connect.
 */
export class QmpClient {
  readonly events: QmpEvent[] = [];
  private buf = "";
  private nextId = 1;
  private pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; cmd: string }>();
  private eventWaiters: Array<{ match: (ev: QmpEvent) => boolean; resolve: (ev: QmpEvent) => void }> = [];
  private closedErr: Error | undefined;

  private constructor(
    private readonly sock: net.Socket,
    readonly greeting: QmpGreeting,
    initial: string,
  ) {
    this.buf = initial;
    sock.on("data", (d) => this.onData(d.toString("utf8")));
    const onClose = (err?: Error) => {
      this.closedErr ??= err ?? new Error("QMP connection closed");
      for (const p of this.pending.values()) p.reject(this.closedErr);
      this.pending.clear();
    };
    sock.on("error", onClose);
    sock.on("close", () => onClose());
    this.onData("");
  }

  /** Connects (retrying until the socket exists and accepts, up to timeoutMs), reads the greeting, negotiates. */
  static async connect(socketPath: string, timeoutMs = 10_000): Promise<QmpClient> {
    const { sock, greeting, rest } = await pollUntil(
      `QMP greeting on ${socketPath}`,
      () =>
        new Promise<{ sock: net.Socket; greeting: QmpGreeting; rest: string }>((resolve, reject) => {
          const s = net.createConnection(socketPath);
          let b = "";
          const fail = (e: Error) => {
            s.destroy();
            reject(e);
          };
          s.on("error", fail);
          s.on("close", () => fail(new Error("closed before greeting")));
          s.on("data", (d) => {
            b += d.toString("utf8");
            const nl = b.indexOf("\n");
            if (nl < 0) return;
            s.removeAllListeners();
            try {
              const g = JSON.parse(b.slice(0, nl)) as QmpGreeting;
              if (!g.QMP) throw new Error(`not a QMP greeting: ${b.slice(0, nl)}`);
              resolve({ sock: s, greeting: g, rest: b.slice(nl + 1) });
            } catch (e) {
              fail(e as Error);
            }
          });
        }),
      { timeoutMs, intervalMs: 20 },
    );
    const c = new QmpClient(sock, greeting, rest);
    await c.execute("qmp_capabilities");
    return c;
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (typeof msg.event === "string") {
        const ev = msg as unknown as QmpEvent;
        this.events.push(ev);
        this.eventWaiters = this.eventWaiters.filter((w) => {
          if (!w.match(ev)) return true;
          w.resolve(ev);
          return false;
        });
        continue;
      }
      const id = typeof msg.id === "string" ? msg.id : undefined;
      const p = id !== undefined ? this.pending.get(id) : undefined;
      if (!p || id === undefined) continue;
      this.pending.delete(id);
      if (msg.error) {
        const err = msg.error as { class?: string; desc?: string };
        p.reject(new QmpError(p.cmd, err.class ?? "?", err.desc ?? JSON.stringify(msg.error)));
      } else {
        p.resolve(msg.return);
      }
    }
  }

  /** Runs a command; resolves with its `return`, rejects with {@link QmpError}. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    const id = `f${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`QMP ${command}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        cmd: command,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.sock.write(JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id }) + "\n");
    });
  }

  /** Resolves with the first event (already received or future) named `name` that satisfies `pred`. */
  waitEvent(name: string, timeoutMs: number, pred: (ev: QmpEvent) => boolean = () => true): Promise<QmpEvent> {
    const match = (ev: QmpEvent) => ev.event === name && pred(ev);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (ev: QmpEvent) => {
          clearTimeout(timer);
          resolve(ev);
        },
      };
      const timer = setTimeout(() => {
        this.eventWaiters = this.eventWaiters.filter((w) => w !== waiter);
        reject(new Error(`no QMP event ${name} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.eventWaiters.push(waiter);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

// ------------------------------------------------------------------------------------------------ guest agent over a socket

/**
 * One request/response exchange with qemu-ga over a chardev socket (raw QEMU). Opens a connection, syncs with
 * guest-sync-delimited (0xFF resync), optionally runs one command, closes. Connection-per-call keeps the socket
 * free for the code under test (a chardev socket serves one client at a time).
 */
async function agentExchange<T>(
  socketPath: string,
  timeoutMs: number,
  command?: { execute: string; arguments?: Record<string, unknown> },
  resendMs = 250,
  abort: () => Error | undefined = () => undefined,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  const sock = await pollUntil(
    `agent socket ${socketPath}`,
    () =>
      new Promise<net.Socket>((resolve, reject) => {
        const why = abort();
        if (why) return reject(Object.assign(why, { fatal: true }));
        const s = net.createConnection(socketPath);
        s.once("connect", () => {
          s.removeAllListeners("error");
          resolve(s);
        });
        s.once("error", reject);
      }),
    { timeoutMs, intervalMs: 20 },
  );
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const sent = new Set<number>();
      let phase: "sync" | "final" | "command" = "sync";
      let finalId = -1;
      let resend: NodeJS.Timeout | undefined;
      const watchdog = setInterval(() => {
        const why = abort();
        if (why) finish(Object.assign(why, { fatal: true }));
      }, POLL_MS);
      const timer = setTimeout(() => finish(new Error(`qemu-ga on ${socketPath}: no answer within ${timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
      const finish = (err?: Error, value?: T) => {
        clearTimeout(timer);
        clearInterval(watchdog);
        if (resend) clearInterval(resend);
        sock.removeAllListeners("data");
        if (err) reject(err);
        else resolve(value);
      };
      const sendSync = (): number => {
        const id = Math.floor(Math.random() * 2 ** 31);
        sent.add(id);
        sock.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(JSON.stringify({ execute: "guest-sync-delimited", arguments: { id } }) + "\n")]));
        return id;
      };
      const onMessage = (msg: { return?: unknown; error?: { class?: string; desc?: string } }) => {
        if (phase === "sync" || phase === "final") {
          if (typeof msg.return !== "number" || !sent.has(msg.return)) return;
          if (phase === "sync") {
            if (resend) clearInterval(resend);
            resend = undefined;
            if (!command) return finish(undefined, undefined);
            // Earlier unanswered syncs may still be answered: one more sync with a fresh id drains them.
            phase = "final";
            finalId = sendSync();
            return;
          }
          if (msg.return !== finalId) return;
          phase = "command";
          sock.write(JSON.stringify(command) + "\n");
          return;
        }
        if (msg.error) return finish(new Error(`qemu-ga ${command?.execute}: ${msg.error.class}: ${msg.error.desc}`));
        finish(undefined, msg.return as T);
      };
      sock.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const ff = buf.lastIndexOf(0xff);
        if (ff >= 0) buf = buf.subarray(ff + 1); // delimiter: drop anything before it
        let nl: number;
        while ((nl = buf.indexOf(0x0a)) >= 0) {
          const line = buf.subarray(0, nl).toString("utf8").trim();
          buf = buf.subarray(nl + 1);
          if (!line) continue;
          try {
            onMessage(JSON.parse(line) as { return?: unknown });
          } catch {
            /* partial garbage from an earlier client: ignore */
          }
        }
      });
      sock.on("error", (e) => finish(Object.assign(new Error(`qemu-ga socket ${socketPath}: ${e.message}`), { connection: true })));
      sock.on("close", () => finish(Object.assign(new Error(`qemu-ga socket ${socketPath} closed`), { connection: true })));
      sendSync();
      resend = setInterval(sendSync, resendMs);
    });
  } finally {
    sock.destroy();
  }
}

// ------------------------------------------------------------------------------------------------ raw QEMU

export interface RawQemuOptions {
  machine: string;
  maxVcpus: number;
  vcpus: number;
  topology?: Topology;
  /** virtio-serial + qemu-ga chardev socket (default true). */
  agent?: boolean;
  /** Default qemu-system-x86_64 (from PATH, or <qemuRoot>/usr/bin when qemuRoot is set). */
  qemuBinary?: string;
  /** Root of an unpacked alternative QEMU (see {@link qemu10}); sets QEMU_MODULE_DIR, -L and LD_LIBRARY_PATH. */
  qemuRoot?: string;
  extraArgs?: string[];
  /** Used for the temp dir and for {@link cleanupLeftovers}; default uniqueName("qvt-raw"). */
  name?: string;
  memoryMiB?: number;
  accel?: "kvm" | "qemu";
  cpuModel?: string;
  extraCmdline?: string;
}

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
  /** Connects a new QMP client (close it when done: one client at a time). */
  qmp(timeoutMs?: number): Promise<QmpClient>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after 5 s; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface QemuInstall {
  binary: string;
  root: string;
  env: Record<string, string>;
  args: string[];
}

/** Binary, env and args to run an unpacked (dpkg -x) QEMU from `root` next to the system one (note: Addendum). */
export function qemuFromRoot(root: string, binaryName = "qemu-system-x86_64"): QemuInstall {
  const triplet = "x86_64-linux-gnu";
  const env: Record<string, string> = { QEMU_MODULE_DIR: path.join(root, "usr", "lib", triplet, "qemu") };
  const libDirs = [path.join(root, "usr", "lib", triplet), path.join(root, "lib", triplet)].filter((d) => {
    try {
      return fs.readdirSync(d).some((f) => /\.so(\.|$)/.test(f));
    } catch {
      return false;
    }
  });
  if (libDirs.length) env.LD_LIBRARY_PATH = libDirs.join(":");
  const args: string[] = [];
  for (const d of [path.join(root, "usr", "share", "seabios"), path.join(root, "usr", "share", "qemu")]) {
    if (fs.existsSync(d)) args.push("-L", d);
  }
  args.push("-nodefaults", "-no-user-config");
  return { binary: path.join(root, "usr", "bin", binaryName), root, env, args };
}

interface TrackRecord {
  pid: number;
  name: string;
  dir: string;
  owner: number;
  binary: string;
}

function track(rec: TrackRecord): void {
  fs.mkdirSync(RAW_TRACK_DIR, { recursive: true });
  fs.writeFileSync(path.join(RAW_TRACK_DIR, `${rec.name}.json`), JSON.stringify(rec));
}

function untrack(name: string): void {
  try {
    fs.unlinkSync(path.join(RAW_TRACK_DIR, `${name}.json`));
  } catch {
    /* already gone */
  }
}

/** True if `pid` is a QEMU we started with temp dir `dir` (guards against pid reuse). */
function isOurQemu(pid: number, dir: string): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes(dir) && cmdline.includes("qemu-system");
  } catch {
    return false;
  }
}

async function killAndWait(pid: number, exited: () => boolean): Promise<void> {
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  };
  if (exited()) return;
  send("SIGTERM");
  try {
    await pollUntil(`QEMU pid ${pid} to exit`, () => exited(), { timeoutMs: 5000, intervalMs: 20 });
  } catch {
    send("SIGKILL");
    await pollUntil(`QEMU pid ${pid} to exit after SIGKILL`, () => exited(), { timeoutMs: 5000, intervalMs: 20 });
  }
}

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
  const cmdline = opts.extraCmdline ? `${GUEST_CMDLINE} ${opts.extraCmdline}` : GUEST_CMDLINE;
  const argv = [
    ...(inst?.args ?? ["-nodefaults", "-no-user-config"]),
    "-name", name,
    "-machine", opts.machine,
    "-accel", accel === "kvm" ? "kvm" : "tcg",
    "-cpu", opts.cpuModel ?? "qemu64",
    "-smp", `${opts.vcpus},maxcpus=${opts.maxVcpus},sockets=${topo.sockets},dies=${topo.dies},cores=${topo.cores},threads=${topo.threads}`,
    "-m", String(opts.memoryMiB ?? 128),
    "-display", "none",
    "-no-reboot",
    "-kernel", img.vmlinux,
    "-initrd", img.initramfs,
    "-append", cmdline,
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
  argv.push(...(opts.extraArgs ?? []));
  return startRaw(name, binary, argv, inst?.env ?? {}, dir, qmpSocket, agentSocket, serialLog);
}

async function startRaw(
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
  const agentCommand = async <T,>(execute: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<T> => {
    if (!agentSocket) throw new Error(`${name} has no agent`);
    if (sp.exited()) throw deadFatal();
    const abort = () => (sp.exited() ? deadFatal() : undefined);
    return (await agentExchange<T>(agentSocket, timeoutMs, args ? { execute, arguments: args } : { execute }, 250, abort)) as T;
  };
  const guestVcpus = async () => vcpuLists(await agentCommand<AgentVcpu[]>("guest-get-vcpus"));
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
      const deadline = Date.now() + timeoutMs;
      const abort = () => (sp.exited() ? deadFatal() : undefined);
      for (;;) {
        try {
          await agentExchange(agentSocket, Math.max(1, deadline - Date.now()), undefined, 250, abort);
          return Date.now() - startedAt;
        } catch (e) {
          if ((e as { fatal?: boolean }).fatal) throw e;
          if ((e as { connection?: boolean }).connection) {
            // The socket broke: almost always QEMU exiting. Give its exit event a moment to arrive.
            const gone = await pollUntil("QEMU exit", () => sp.exited(), { timeoutMs: 1000, intervalMs: 10 }).catch(() => false);
            if (gone) throw deadFatal();
            if (Date.now() < deadline) continue;
          }
          throw new Error(`${(e as Error).message}\nconsole:\n${tailOf(serialLog)}`);
        }
      }
    },
    agentCommand,
    async guestOnlineCpus() {
      return (await guestVcpus()).online;
    },
    async guestPresentCpus() {
      return (await guestVcpus()).present;
    },
    consoleCpus() {
      return readConsoleCpus(serialLog);
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
    ...(inst?.args ?? ["-nodefaults", "-no-user-config"]),
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

// ------------------------------------------------------------------------------------------------ QEMU 10 (backports)

let qemu10Promise: Promise<QemuInstall | null> | undefined;

/**
 * QEMU 10.0 from bookworm-backports, unpacked (not installed) by test/guest/qemu10.sh into .cache/qemu10/root.
 * Resolves null only when the script reports that QEMU 10.0 cannot exist on this system (exit code 3: not a
 * Debian bookworm/amd64 host); any other failure rejects with the script's output.
 */
export function qemu10(): Promise<QemuInstall | null> {
  qemu10Promise ??= (async () => {
    try {
      const out = await run("bash", [path.join(GUEST_DIR, "qemu10.sh")], { timeoutMs: 900_000 });
      const jsonFile = /^QEMU10_JSON=(.*)$/m.exec(out.stdout)?.[1];
      if (!jsonFile) throw new Error(`qemu10.sh printed no QEMU10_JSON= line:\n${out.stdout}${out.stderr}`);
      return JSON.parse(fs.readFileSync(jsonFile, "utf8")) as QemuInstall;
    } catch (e) {
      if (e instanceof CommandError && e.code === 3) return null;
      qemu10Promise = undefined;
      throw e;
    }
  })();
  return qemu10Promise;
}

// ------------------------------------------------------------------------------------------------ cleanup

export interface CleanupReport {
  domains: string[];
  rawQemus: string[];
}

/**
 * Destroys + undefines every libvirt domain whose name starts with `prefix`, and kills every raw QEMU started by
 * these fixtures (tracked under .cache/test-guest/raw) whose name starts with `prefix`. With `staleOnly`, only
 * those whose owning test process (pid embedded by {@link uniqueName}) is gone: safe while others run tests.
 */
export async function cleanupLeftovers(prefix: string, opts: { staleOnly?: boolean } = {}): Promise<CleanupReport> {
  const report: CleanupReport = { domains: [], rawQemus: [] };
  const isStale = (owner: number | undefined) => !opts.staleOnly || (owner !== undefined && owner !== process.pid && !pidAlive(owner));

  const names = (await virsh(["list", "--all", "--name"])).stdout
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s.startsWith(prefix));
  for (const n of names) {
    if (!isStale(ownerPidOf(n))) continue;
    await destroyDomain(n);
    report.domains.push(n);
  }

  let files: string[] = [];
  try {
    files = fs.readdirSync(RAW_TRACK_DIR).filter((f) => f.endsWith(".json"));
  } catch {
    /* nothing tracked */
  }
  for (const f of files) {
    let rec: TrackRecord;
    try {
      rec = JSON.parse(fs.readFileSync(path.join(RAW_TRACK_DIR, f), "utf8")) as TrackRecord;
    } catch {
      continue;
    }
    if (!rec.name.startsWith(prefix) || !isStale(rec.owner)) continue;
    if (isOurQemu(rec.pid, rec.dir)) {
      await killAndWait(rec.pid, () => !isOurQemu(rec.pid, rec.dir));
      report.rawQemus.push(rec.name);
    }
    untrack(rec.name);
    rmrf(rec.dir);
  }

  // Temp dirs left by a crash before destroy()/stop().
  for (const d of fs.readdirSync(os.tmpdir())) {
    if (!d.startsWith(prefix)) continue;
    if (opts.staleOnly && !isStale(ownerPidOf(d.replace(/-[A-Za-z0-9]{6}$/, "")))) continue;
    rmrf(path.join(os.tmpdir(), d));
  }
  return report;
}
