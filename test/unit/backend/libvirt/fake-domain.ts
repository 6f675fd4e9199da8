/**
 * A scripted x86 libvirt domain behind the in-process {@link FakeLibvirtd}: it answers every
 * procedure the libvirt backend uses with payloads encoded by the project's XDR writer,
 * decodes each CALL's args (and checks they re-encode, through the real procedure encoders,
 * to the very bytes sent), records the calls, and keeps a little state — definition and live
 * XML, libvirt's and QEMU's plugged vCPUs, the guest's online CPUs, run state and event
 * callbacks. Its recorded behaviours are those of libvirtd 9.0.0 / QEMU 7.2 (notes §2, §3.3):
 * unplug either succeeds (real KVM) or times out with error 68 while QEMU frees the slot on
 * its own schedule and libvirt's view goes stale (TCG, this host).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeArgs, type Procedure } from "../../../../provider/libvirt/protocol/procedure";
import * as Q from "../../../../provider/libvirt/protocol/qemu-procedures";
import * as R from "../../../../provider/libvirt/protocol/remote-procedures";
import type { DomainRef } from "../../../../provider/libvirt/protocol/types";
import type { XdrReader } from "../../../../provider/libvirt/xdr/reader";
import { RUNNING, SHUTOFF, VCPU_CONFIG, XML_INACTIVE, XML_SECURE } from "../../../../provider/libvirt/constants";
import { fail, ok, type FakeConnection, type FakeLibvirtd, type FakeReply } from "../../../fakes/libvirtd";
import { asLibvirtWrites, definitionCpus, liveXml, withoutAgentChannel, withoutSecrets } from "./domain-xml-view";
import { FakeGuest } from "./fake-guest";
import { FakeLifecycle } from "./fake-lifecycle";
import { FakeMetadata } from "./fake-metadata";
import { monitorError, monitorReply, qomPathOf, x86HotpluggableCpus, type X86Layout } from "./qemu-cpus";
import { parseIds } from "./cpu-list";
import * as W from "./wire";

/** test/fixtures/domain-q35-inactive.xml: q35, `current='2'` of 4, topology 1×1×4×1, agent channel, a VNC password. */
export const Q35_DEFINITION = readFileSync(join(__dirname, "../../../fixtures/domain-q35-inactive.xml"), "utf8");

/** What `DOMAIN_SET_VCPU(…, state 0, LIVE)` does. */
export type UnplugMode =
  /** Real KVM: QEMU sends DEVICE_DELETED for `vcpuN`, libvirt returns OK and updates its view. */
  | { readonly kind: "ok" }
  /**
   * TCG (this host): libvirt returns error 68 after its 5 s wait; QEMU frees the slot on the
   * `qemuFreesAfterQueries`-th `query-hotpluggable-cpus` from now (never when undefined);
   * libvirt's XML keeps the vCPU enabled.
   */
  | { readonly kind: "timeout"; readonly qemuFreesAfterQueries: number | undefined };

/** Options of {@link FakeDomain}; every field has a q35 "2 of 4 plugged" default. */
export interface FakeDomainOptions {
  /** Domain name (default: the fixture's). */
  readonly name?: string;
  readonly uuid?: string;
  /** Running domain id. */
  readonly id?: number;
  /** Persistent definition (default {@link Q35_DEFINITION}). */
  readonly definition?: string;
  readonly running?: boolean;
  readonly persistent?: boolean;
  /** "hung": the channel is connected but the agent never answers (libvirt times each command out). */
  readonly agent?: "connected" | "disconnected" | "no-channel" | "hung";
  /** vCPU ids plugged (libvirt and QEMU agree); default [0, 1]. */
  readonly plugged?: readonly number[];
  /** vCPU ids present at start, not hotpluggable; default [0]. */
  readonly boot?: readonly number[];
  readonly unplug?: UnplugMode;
  /** Whether the guest obeys DOMAIN_SHUTDOWN_FLAGS. */
  readonly shutdown?: "graceful" | "ignored";
}

/** One CALL the fake answered, with its decoded args. */
export interface RecordedCall {
  readonly name: string;
  readonly args: unknown;
  readonly payload: Buffer;
}

/** The scripted domain; install it on a fake with {@link FakeDomain.install}. */
export class FakeDomain {
  readonly calls: RecordedCall[] = [];
  /** Args that did not decode or re-encode exactly; must stay empty. */
  readonly wireErrors: string[] = [];
  readonly name: string;
  readonly uuid: string;
  id: number;
  running: boolean;
  persistent: boolean;
  definition: string;
  agent: NonNullable<FakeDomainOptions["agent"]>;
  unplug: UnplugMode;
  /** libvirt's view (`<vcpus>` enabled). */
  readonly libvirtEnabled = new Set<number>();
  /** QEMU's view (entities with a `qom-path`). */
  readonly qemuPlugged = new Set<number>();
  readonly boot = new Set<number>();
  readonly order = new Map<number, number>();
  readonly guest: FakeGuest;
  readonly lifecycle: FakeLifecycle;
  /** Live `<metadata>` elements (the lease lives here). */
  readonly metadata: FakeMetadata;
  /** Number of `query-hotpluggable-cpus` answered. */
  monitorQueries = 0;
  private layout: X86Layout;
  private readonly pendingFrees = new Map<number, number>();

  private constructor(private readonly fake: FakeLibvirtd, o: FakeDomainOptions) {
    this.name = o.name ?? "fixture-xml";
    this.uuid = o.uuid ?? "59b3d19e-19b6-45bf-8d61-7574b51fb748";
    this.id = o.id ?? 7;
    this.running = o.running ?? true;
    this.persistent = o.persistent ?? true;
    this.agent = o.agent ?? "connected";
    this.definition = this.agent === "no-channel" ? withoutAgentChannel(o.definition ?? Q35_DEFINITION) : (o.definition ?? Q35_DEFINITION);
    this.unplug = o.unplug ?? { kind: "ok" };
    this.layout = definitionCpus(this.definition).layout;
    if (this.running) this.plug(o.plugged ?? [0, 1], o.boot ?? [0]);
    this.guest = new FakeGuest(this);
    this.lifecycle = new FakeLifecycle(this, o.shutdown ?? "graceful");
    this.metadata = new FakeMetadata(this);
  }

  /** Creates the domain and scripts every procedure the backend uses on `fake`. */
  static install(fake: FakeLibvirtd, o: FakeDomainOptions): FakeDomain {
    const d = new FakeDomain(fake, o);
    d.installConnection().installInspection().installVcpus();
    d.guest.install();
    d.lifecycle.install();
    d.metadata.install();
    return d;
  }

  /** The handle libvirt returns for this domain (id -1 while shut off). */
  get dom(): DomainRef {
    return { name: this.name, uuid: this.uuid, id: this.running ? this.id : -1 };
  }

  /**
   * Scripts `p` (replacing any earlier script): decodes the args with `read`, checks they
   * re-encode to the bytes sent, records the call, then answers with `handle`.
   */
  on<A>(p: Procedure<A, unknown>, read: (r: XdrReader) => A, handle: (args: A, conn: FakeConnection) => FakeReply): this {
    this.fake.handle(p.program, p.proc, (call, conn) => {
      try {
        const r = call.args();
        const args = read(r);
        r.end();
        if (!encodeArgs(p, args).equals(call.payload)) throw new Error("decoded args do not re-encode to the bytes sent");
        this.calls.push({ name: p.name, args, payload: call.payload });
        return handle(args, conn);
      } catch (err) {
        this.wireErrors.push(`${p.name}: ${(err as Error).message}`);
        return fail({ code: 39, domain: 7, message: `fake domain: ${p.name}: ${(err as Error).message}` });
      }
    });
    return this;
  }

  /** Wire names of the calls answered, in order. */
  names(): string[] {
    return this.calls.map((c) => c.name);
  }

  /** Decoded args of every call to `p`. */
  argsOf<A>(p: Procedure<A, unknown>): A[] {
    return this.calls.filter((c) => c.name === p.name).map((c) => c.args as A);
  }

  /** Starts QEMU with `plugged` vCPUs (`boot` of them cold-plugged), as libvirt does on DOMAIN_CREATE. */
  plug(plugged: readonly number[], boot: readonly number[]): void {
    this.layout = definitionCpus(this.definition).layout;
    for (const s of [this.libvirtEnabled, this.qemuPlugged, this.boot, this.order]) s.clear();
    boot.forEach((id) => this.boot.add(id));
    plugged.forEach((id, i) => {
      this.libvirtEnabled.add(id);
      this.qemuPlugged.add(id);
      this.order.set(id, i + 1);
    });
  }

  /** The live or inactive XML for GET_XML_DESC `flags`. */
  xml(flags: number): string {
    const xml = (flags & XML_INACTIVE) !== 0 || !this.running ? this.definition : this.liveXml();
    return (flags & XML_SECURE) !== 0 ? xml : withoutSecrets(xml);
  }

  private liveXml(): string {
    const agentState = this.agent === "connected" || this.agent === "hung" ? "connected" : "disconnected";
    return liveXml(this.definition, { id: this.id, enabled: this.libvirtEnabled, boot: this.boot, order: this.order, agentState });
  }

  private installConnection(): this {
    return this.on(R.ConnectGetLibVersion, W.readVoid, () => W.hyperRet(9000000n))
      .on(R.ConnectGetVersion, W.readVoid, () => W.hyperRet(7002022n))
      .on(R.DomainLookupByName, W.readName, (a) => (a.name === this.name ? W.domRet(this.dom) : fail(W.LIBVIRT_ERRORS.noDomain(a.name))))
      .on(R.DomainLookupByUuid, W.readUuidArgs, (a) => (a.uuid === this.uuid ? W.domRet(this.dom) : fail(W.LIBVIRT_ERRORS.noDomain(a.uuid))));
  }

  private installInspection(): this {
    return this.on(R.DomainGetState, W.readDomFlags, () => (this.running ? W.stateRet(RUNNING, 1) : W.stateRet(SHUTOFF, 1)))
      .on(R.DomainIsPersistent, W.readDom, () => W.intRet(this.persistent ? 1 : 0))
      .on(R.DomainGetXmlDesc, W.readDomFlags, (a) => W.stringRet(this.xml(a.flags)))
      .on(Q.QemuDomainMonitorCommand, W.readMonitorCommand, (a) => this.monitor(a.cmd));
  }

  private installVcpus(): this {
    return this.on(R.DomainSetVcpu, W.readDomCpumap, (a) => (a.state === 1 ? this.hotAdd(parseIds(a.cpumap)) : this.hotUnplug(parseIds(a.cpumap))))
      .on(R.DomainSetVcpusFlags, W.readSetVcpusFlags, (a) => {
        if (a.flags & VCPU_CONFIG) this.definition = this.definition.replace(/(<vcpu\b[^>]*?)(?: current='\d+')?>/, `$1 current='${a.nvcpus}'>`);
        return ok();
      })
      .on(R.DomainDefineXmlFlags, W.readDefine, (a) => {
        this.definition = asLibvirtWrites(a.xml);
        return W.domRet(this.dom);
      });
  }

  /** QEMU_PROC_DOMAIN_MONITOR_COMMAND: only `query-hotpluggable-cpus` is known. */
  private monitor(cmd: string): FakeReply {
    if (!this.running) return fail(W.LIBVIRT_ERRORS.notRunning);
    const { execute } = JSON.parse(cmd) as { execute: string };
    const serial = 400 + this.calls.length;
    if (execute !== "query-hotpluggable-cpus") return W.stringRet(monitorError("CommandNotFound", `The command ${execute} has not been found`, serial));
    this.monitorQueries++;
    this.tickPendingFrees();
    const cpus = x86HotpluggableCpus(this.layout, (i) => (this.qemuPlugged.has(i) ? qomPathOf(i, this.boot.has(i)) : undefined));
    return W.stringRet(monitorReply(cpus, serial));
  }

  private tickPendingFrees(): void {
    for (const [id, left] of this.pendingFrees) {
      if (left > 1) this.pendingFrees.set(id, left - 1);
      else {
        this.pendingFrees.delete(id);
        this.qemuPlugged.delete(id);
        this.guest.online.delete(id);
      }
    }
  }

  private hotAdd(ids: number[]): FakeReply {
    const next = Math.max(0, ...this.order.values()) + 1;
    ids.forEach((id, i) => {
      this.libvirtEnabled.add(id);
      this.qemuPlugged.add(id);
      this.order.set(id, next + i);
    });
    return ok();
  }

  private hotUnplug(ids: number[]): FakeReply {
    if (this.unplug.kind === "ok") {
      for (const id of ids) {
        for (const s of [this.libvirtEnabled, this.qemuPlugged, this.guest.online, this.order]) s.delete(id);
      }
      return ok();
    }
    const after = this.unplug.qemuFreesAfterQueries;
    if (after !== undefined) ids.forEach((id) => this.pendingFrees.set(id, after));
    return fail(W.LIBVIRT_ERRORS.unplugTimedOut);
  }
}
