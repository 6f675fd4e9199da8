/**
 * Test guests under libvirt (through `virsh`): {@link startTestDomain} returns a {@link TestDomain} with agent,
 * console and state helpers; {@link destroyDomain} is the tolerant destroy + undefine used by cleanup as well.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { guestCpuQueries } from "./agent";
import { bootBudget } from "./boot-budget";
import { ensureGuestBuilt } from "./build";
import { readConsoleCpus, type ConsoleCpus } from "./console";
import { domainXml, type DomainOptions } from "./domain-xml";
import { CommandError, fatal, isFatal, pollUntil, stderrOf, virsh } from "./exec";
import { makeTempDir, rmrf, tailOf } from "./files";
import { guestNumaNodes, type GuestNode } from "./numa";
import { LIBVIRT_URI, POLL_MS } from "./paths";

/** The QEMU pid of a domain of the system daemon (its pid file); undefined elsewhere or before it is written. */
function pidOf(name: string): number | undefined {
  if (LIBVIRT_URI !== "qemu:///system") return undefined;
  try {
    return Number(fs.readFileSync(`/run/libvirt/qemu/${name}.pid`, "utf8").trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** A running test domain (from {@link startTestDomain}). */
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
  /** The guest's `/sys/devices/system/node` through the agent: per node, its CPUs and those online (logical ids). */
  guestNumaNodes(): Promise<Record<number, GuestNode>>;
  /** `virsh domstate` (e.g. "running", "shut off"), or "gone" if the domain does not exist. */
  state(): Promise<string>;
  /** destroy + undefine + remove the temp dir. Idempotent; never throws when the domain is already gone. */
  destroy(): Promise<void>;
}

const GONE_RE = /failed to get domain|Domain not found|no domain with matching/i;
const NOT_RUNNING_RE = /domain is not running|not running/i;

/**
 * `virsh destroy` + `virsh undefine` of domain `name`, tolerating a domain that is already stopped, transient or
 * gone; throws only when the domain is still there afterwards.
 */
export async function destroyDomain(name: string): Promise<void> {
  try {
    await virsh(["destroy", name], 30_000);
  } catch (e) {
    const msg = stderrOf(e);
    if (!GONE_RE.test(msg) && !NOT_RUNNING_RE.test(msg)) {
      // Re-check: only complain if it is still running.
      const st = await domainState(name);
      if (st === "running" || st === "paused") throw e;
    }
  }
  try {
    await virsh(["undefine", name], 30_000);
  } catch (e) {
    const msg = stderrOf(e);
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
  const xml = domainXml({ ...opts, kernel: opts.kernel ?? img.vmlinux, initrd: opts.initrd ?? img.initramfs, serialLog });
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
      const budget = bootBudget(`guest agent of ${name}`, () => pidOf(name), timeoutMs, serialLog);
      await pollUntil(
        `guest agent of ${name}`,
        async () => {
          polls += 1;
          budget.check();
          try {
            await agentCommand("guest-ping", undefined, 2);
            return true;
          } catch (e) {
            const msg = stderrOf(e);
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
        { timeoutMs: budget.wallCapMs, intervalMs: POLL_MS },
      ).catch((e: unknown) => {
        if (isFatal(e)) throw e;
        throw new Error(`${(e as Error).message} (${budget.describe()})\nconsole:\n${tailOf(serialLog)}`);
      });
      return Date.now() - startedAt;
    },
    agentCommand,
    ...guestCpuQueries(agentCommand),
    consoleCpus() {
      return readConsoleCpus(serialLog);
    },
    guestNumaNodes() {
      return guestNumaNodes(agentCommand);
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
