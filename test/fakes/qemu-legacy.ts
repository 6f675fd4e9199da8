/**
 * A QEMU before 2.7 on {@link FakeQmpServer}, replaying the replies QEMU's own QAPI schema documents for that
 * release (qapi-schema.json of 2.6: `query-cpus` with `CPU`/`qom_path`/`thread_id`/`arch`, `cpu-add` "Since: 1.5",
 * `query-machines` without `hotpluggable-cpus`), the dispatcher's CommandNotFound text ("The command X has not
 * been found"), and hw/i386/pc.c `pc_hot_add_cpu`'s refusals ("Unable to add CPU: N, max allowed: M", "…, it
 * already exists"). QEMU ≤ 5.1 can't be installed on Debian 12 (buster's 3.1 is gone from the mirrors, bullseye's
 * 5.2 already dropped cpu-add), so this transcript stands in for it: see README "Legacy QEMU (cpu-add)".
 *
 * State: the present vCPU indexes; `cpu-add` adds one (lowest free first is the provider's choice, not QEMU's).
 * Every exchange is kept in {@link LegacyQemu.transcript} (command → reply, as sent on the wire).
 */
import { FakeQmpServer, type FakeReply, type ReceivedCommand } from "./qmp-server";

/** Which old QEMU to replay. */
export interface LegacyQemuOptions {
  /** `major.minor.micro` answered by `query-version` and the greeting (default 2.6.2). */
  readonly version?: readonly [number, number, number];
  /** `-smp maxcpus` (default 4). */
  readonly maxcpus?: number;
  /** vCPUs present at start (`-smp N`, default 1). */
  readonly cpus?: number;
  /** Machine type, versioned (default `pc-i440fx-<major.minor>`). */
  readonly machine?: string;
  readonly uuid?: string;
  readonly name?: string;
}

/** One exchange of the transcript. */
export interface Exchange {
  readonly command: ReceivedCommand;
  readonly reply: FakeReply;
}

const cmp = (a: readonly number[], b: readonly number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;

/** A scripted QEMU 1.x/2.x. */
export class LegacyQemu {
  readonly transcript: Exchange[] = [];
  /** Present vCPU indexes → QOM device number (`/machine/unattached/device[N]`). */
  readonly present = new Map<number, number>();
  readonly version: readonly [number, number, number];
  readonly maxcpus: number;
  readonly machine: string;
  private nextDevice = 0;

  private constructor(readonly server: FakeQmpServer, o: LegacyQemuOptions) {
    this.version = o.version ?? [2, 6, 2];
    this.maxcpus = o.maxcpus ?? 4;
    this.machine = o.machine ?? `pc-i440fx-${this.version[0]}.${this.version[1]}`;
    for (let i = 0; i < (o.cpus ?? 1); i++) this.addCpu(i);
    this.nextDevice++; // the documented example: CPU 1 is device[2] (device[1] is another board device)
    const [major, minor, micro] = this.version;
    const has = (since: readonly [number, number, number]) => cmp(this.version, since) >= 0;
    const uuid = o.uuid ?? "2a6b1c3d-0000-4000-8000-000000000026";
    const name = o.name ?? "legacy";
    this.on("query-status", () => ({ return: { running: true, singlestep: false, status: "running" } }))
      .on("query-uuid", () => ({ return: { UUID: uuid } }))
      .on("query-name", () => ({ return: { name } }))
      .on("query-version", () => ({ return: { qemu: { micro, minor, major }, package: "" } }))
      .on("query-cpus", () => ({ return: this.queryCpus(has([2, 4, 0]), has([2, 6, 0])) }))
      .on("query-machines", () => ({ return: this.machines(has([1, 5, 0])) }))
      .on("qom-get", (cmd) => this.qomGet(cmd));
    if (has([1, 5, 0])) this.on("cpu-add", (cmd) => this.cpuAdd(Number(cmd.arguments?.["id"])));
  }

  /** Starts the fake on its own socket. */
  static async start(o: LegacyQemuOptions = {}): Promise<LegacyQemu> {
    const [major, minor, micro] = o.version ?? [2, 6, 2];
    const server = await FakeQmpServer.start({ greeting: { QMP: { version: { qemu: { micro, minor, major }, package: "" }, capabilities: [] } } });
    return new LegacyQemu(server, o);
  }

  get path(): string {
    return this.server.path;
  }

  /** Names of every command received (scripted or answered CommandNotFound), in order. */
  commands(): string[] {
    return this.server.received.map((c) => c.execute);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private on(command: string, reply: (cmd: ReceivedCommand) => FakeReply): this {
    this.server.handle(command, (cmd) => {
      const r = reply(cmd);
      this.transcript.push({ command: cmd, reply: r });
      return r;
    });
    return this;
  }

  private addCpu(index: number): void {
    this.present.set(index, this.nextDevice++);
  }

  /** `query-cpus` as documented: `qom_path` since 2.4, `arch` (+ x86 `pc`) since 2.6. */
  private queryCpus(qomPath: boolean, arch: boolean): object[] {
    return [...this.present.entries()].sort(([a], [b]) => a - b).map(([index, device]) => ({
      CPU: index,
      current: index === 0,
      halted: index !== 0,
      ...(qomPath ? { qom_path: `/machine/unattached/device[${device}]` } : {}),
      ...(arch ? { arch: "x86" } : {}),
      pc: 3227107138 + index,
      thread_id: 3134 + index,
    }));
  }

  private machines(cpuMax: boolean): object[] {
    const [major, minor] = this.version;
    const list = [
      { name: `pc-i440fx-${major}.${minor}`, alias: "pc", "is-default": true },
      { name: `pc-q35-${major}.${minor}`, alias: "q35" },
      { name: this.machine },
    ];
    const unique = list.filter((m, i) => list.findIndex((o) => o.name === m.name) === i);
    return unique.map((m) => (cpuMax ? { ...m, "cpu-max": 255 } : m));
  }

  private qomGet(cmd: ReceivedCommand): FakeReply {
    const { path, property } = (cmd.arguments ?? {}) as { path?: string; property?: string };
    if (path === "/machine" && property === "type") return { return: `${this.machine}-machine` };
    if (path === "/machine" && property === "acpi") return { return: "auto" };
    return { error: { class: "GenericError", desc: `Property '.${property}' not found` } };
  }

  /** hw/i386/pc.c pc_hot_add_cpu: id < 0, already present, above maxcpus — then the vCPU is created. */
  private cpuAdd(id: number): FakeReply {
    if (id < 0) return { error: { class: "GenericError", desc: `Invalid CPU id: ${id}` } };
    if (this.present.has(id)) return { error: { class: "GenericError", desc: `Unable to add CPU: ${id}, it already exists` } };
    if (id >= this.maxcpus) return { error: { class: "GenericError", desc: `Unable to add CPU: ${id}, max allowed: ${this.maxcpus - 1}` } };
    this.addCpu(id);
    return { return: {} };
  }
}
