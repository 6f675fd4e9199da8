/**
 * LibvirtClient: the typed API over {@link RpcConnection}. Method names are the wire
 * names in camelCase (`REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS` → `domainSetVcpusFlags`,
 * `QEMU_PROC_DOMAIN_MONITOR_COMMAND` → `qemuDomainMonitorCommand`), as in go-libvirt.
 */
import { parseCpuList } from "./cpumap";
import { CONNECT_RO, DRV_FEATURE_PROGRAM_KEEPALIVE } from "./constants";
import { TypedEmitter } from "./emitter";
import { AuthFailedError, AuthUnsupportedError, ProtocolError } from "./errors";
import { AuthType, QEMU_PROGRAM, QemuProcedure, REMOTE_PROGRAM } from "./protocol/constants";
import { DEFAULT_URI, formatVersion, type ConnectOptions, type DomainInfo, type GuestVcpus, type LibvirtClientEvents } from "./client-types";
import { decodeDomainEvent, decodeMonitorEvent } from "./protocol/events";
import type { FrameHeader } from "./protocol/header";
import { decodeRet, encodeArgs, type Procedure } from "./protocol/procedure";
import * as Q from "./protocol/qemu-procedures";
import * as R from "./protocol/remote-procedures";
import { typedParamString, type DomainRef, type TypedParam } from "./protocol/types";
import { RpcConnection, type CallOptions, type RpcStats } from "./rpc";
import { ConnectDeadline, DEFAULT_CONNECT_TIMEOUT_MS } from "./connect-deadline";
import type { Dialer } from "./transport/dialer";
import { dialerForUri } from "./transport/dialers";
import { parseLibvirtUri } from "./transport/uri";
import { startKeepalive } from "./keepalive";

export { DEFAULT_URI, formatVersion } from "./client-types";
export { DEFAULT_CONNECT_TIMEOUT_MS } from "./connect-deadline";
export type { ConnectOptions, DomainInfo, GuestVcpus, LibvirtClientEvents } from "./client-types";

/** Default bound of the CONNECT_CLOSE wait in close(), in ms. */
const DEFAULT_CLOSE_TIMEOUT_MS = 2000;

/** "qemu:///system (unix:/run/libvirt/libvirt-sock)": the URI and what its dialer reaches. */
function targetOf(uri: string, dialer: Dialer): string {
  return dialer.target === undefined ? uri : `${uri} (${dialer.target})`;
}

/** A connection to libvirtd speaking the native RPC protocol. */
export class LibvirtClient {
  private readonly events: TypedEmitter<LibvirtClientEvents>;
  private closing: Promise<void> | undefined;
  /** The daemon answered CONNECT_SUPPORTS_FEATURE(PROGRAM_KEEPALIVE) with 1 (remote dialers ask, as libvirt does). */
  private keepaliveSupported = false;

  private constructor(private readonly rpc: RpcConnection, private readonly opts: ConnectOptions) {
    this.events = new TypedEmitter<LibvirtClientEvents>(opts.onListenerError);
    rpc.onMessage((h, payload) => this.dispatchEvent(h, payload));
    rpc.onClose((err) => this.events.emit("close", err));
  }

  /**
   * Dials, authenticates (AUTH_LIST → NONE | AUTH_POLKIT), then CONNECT_OPEN(name, flags),
   * all within `connectTimeoutMs` (default {@link DEFAULT_CONNECT_TIMEOUT_MS}). Rejects with
   * ConnectTimeoutError (the deadline passed) or ConnectError (a phase failed; the specific
   * error is the cause), both naming the phase and the target; the stream is destroyed first.
   */
  static async connect(opts: ConnectOptions = {}): Promise<LibvirtClient> {
    const uri = parseLibvirtUri(opts.uri ?? DEFAULT_URI);
    const dialer = opts.dialer ?? dialerForUri(uri.uri, { readOnly: opts.readOnly });
    const deadline = new ConnectDeadline(opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, targetOf(uri.uri, dialer));
    try {
      const rpc = new RpcConnection(await deadline.dial(dialer), {
        callTimeoutMs: opts.callTimeoutMs, onListenerError: opts.onListenerError, target: targetOf(uri.uri, dialer),
      });
      const client = new LibvirtClient(rpc, opts);
      await client.handshake(deadline, uri.serverName, { ...opts, keepalive: opts.keepalive === true || dialer.remote === true }).catch(async (err: unknown) => {
        await rpc.destroy();
        throw err;
      });
      if (dialer.remote === true && client.keepaliveSupported) startKeepalive(rpc, targetOf(uri.uri, dialer), opts);
      return client;
    } catch (err) {
      throw deadline.wrap(err);
    } finally {
      deadline.clear();
    }
  }

  /** The auth and open phases of {@link connect}. */
  private async handshake(deadline: ConnectDeadline, name: string, opts: ConnectOptions): Promise<void> {
    await deadline.run("auth", this.authenticate());
    await deadline.run("open", this.invoke(R.ConnectOpen, { name, flags: opts.readOnly === true ? CONNECT_RO : 0 }));
    if (opts.keepalive) this.keepaliveSupported = await deadline.run("open", this.connectSupportsFeature(DRV_FEATURE_PROGRAM_KEEPALIVE));
  }

  /** REMOTE_PROC_AUTH_LIST, then REMOTE_PROC_AUTH_POLKIT if that is what is offered. */
  private async authenticate(): Promise<void> {
    const offered = await this.invoke(R.AuthList, undefined);
    if (offered.length === 0 || offered.includes(AuthType.NONE)) return;
    if (!offered.includes(AuthType.POLKIT)) throw new AuthUnsupportedError(offered);
    const complete = await this.invoke(R.AuthPolkit, undefined);
    if (complete !== 1) throw new AuthFailedError("polkit authentication did not complete");
  }

  /**
   * CONNECT_CLOSE (best effort, at most `closeTimeoutMs`), then end the socket gracefully;
   * a daemon that does not answer CONNECT_CLOSE in time gets its socket destroyed instead.
   * Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const timeoutMs = this.opts.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
      const answered = !this.rpc.closed && (await this.invoke(R.ConnectClose, undefined, { timeoutMs }).then(() => true, () => false));
      await (answered ? this.rpc.close() : this.rpc.destroy());
    })();
    return this.closing;
  }

  /** True once the connection has closed or failed. */
  get closed(): boolean {
    return this.rpc.closed;
  }

  /** Whether this connection keeps the process alive (see {@link RpcConnection.setRef}). */
  setRef(keepAlive: boolean): void {
    this.rpc.setRef(keepAlive);
  }

  /** Engine counters (PINGs answered, unmatched replies, ignored frames). */
  get stats(): Readonly<RpcStats> {
    return this.rpc.stats;
  }

  /** Subscribes to a client event. */
  on<K extends keyof LibvirtClientEvents>(event: K, listener: LibvirtClientEvents[K]): this {
    this.events.on(event, listener);
    return this;
  }

  /** Unsubscribes from a client event. */
  off<K extends keyof LibvirtClientEvents>(event: K, listener: LibvirtClientEvents[K]): this {
    this.events.off(event, listener);
    return this;
  }

  /** Calls any {@link Procedure} (escape hatch for procedures without a typed method). */
  async invoke<A, T>(p: Procedure<A, T>, args: A, opts: Omit<CallOptions, "name"> = {}): Promise<T> {
    const payload = await this.rpc.call(p.program, p.proc, encodeArgs(p, args), { ...opts, name: p.name });
    try {
      return decodeRet(p, payload);
    } catch (err) {
      throw new ProtocolError(`${p.name}: malformed reply`, { cause: err });
    }
  }

  /** Sends a KEEPALIVE PING and waits for the PONG. */
  ping(timeoutMs?: number): Promise<void> {
    return this.rpc.ping(timeoutMs);
  }

  private dispatchEvent(h: FrameHeader, payload: Buffer): void {
    try {
      if (h.prog === REMOTE_PROGRAM) {
        const ev = decodeDomainEvent(h.proc, payload);
        if (ev) this.events.emit("domainEvent", ev);
      } else if (h.prog === QEMU_PROGRAM && h.proc === QemuProcedure.DOMAIN_MONITOR_EVENT) {
        this.events.emit("monitorEvent", decodeMonitorEvent(payload));
      }
    } catch (err) {
      this.events.emit("protocolError", new ProtocolError(`malformed event message (proc ${h.proc})`, { cause: err }));
    }
  }

  // --- connection ---------------------------------------------------------------------

  /** REMOTE_PROC_CONNECT_GET_LIB_VERSION, formatted "9.0.0". */
  async connectGetLibVersion(): Promise<string> {
    return formatVersion(await this.invoke(R.ConnectGetLibVersion, undefined));
  }

  /** REMOTE_PROC_CONNECT_GET_VERSION (hypervisor, i.e. QEMU), formatted "7.2.22". */
  async connectGetVersion(): Promise<string> {
    return formatVersion(await this.invoke(R.ConnectGetVersion, undefined));
  }

  /** REMOTE_PROC_CONNECT_GET_CAPABILITIES: the host's capabilities XML (guests, arches, machine types). */
  connectGetCapabilities(): Promise<string> {
    return this.invoke(R.ConnectGetCapabilities, undefined);
  }

  /** REMOTE_PROC_CONNECT_GET_HOSTNAME. */
  connectGetHostname(): Promise<string> {
    return this.invoke(R.ConnectGetHostname, undefined);
  }

  /** REMOTE_PROC_CONNECT_SUPPORTS_FEATURE: true if the daemon supports virDrvFeature `feature`. */
  async connectSupportsFeature(feature: number): Promise<boolean> {
    return (await this.invoke(R.ConnectSupportsFeature, { feature })) === 1;
  }

  /** REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS with CONNECT_LIST_DOMAINS_* `flags`. */
  async connectListAllDomains(flags: number): Promise<DomainRef[]> {
    return (await this.invoke(R.ConnectListAllDomains, { needResults: 1, flags })).domains;
  }

  // --- domain lookup and inspection ---------------------------------------------------

  /** REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME. */
  domainLookupByName(name: string): Promise<DomainRef> {
    return this.invoke(R.DomainLookupByName, { name });
  }

  /** REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID (dashed or plain hex). */
  domainLookupByUuid(uuid: string): Promise<DomainRef> {
    return this.invoke(R.DomainLookupByUuid, { uuid });
  }

  /** REMOTE_PROC_DOMAIN_GET_XML_DESC with XML_* `flags`. */
  domainGetXmlDesc(dom: DomainRef, flags: number): Promise<string> {
    return this.invoke(R.DomainGetXmlDesc, { dom, flags });
  }

  /** REMOTE_PROC_DOMAIN_GET_STATE (virDomainState and reason). */
  domainGetState(dom: DomainRef): Promise<{ state: number; reason: number }> {
    return this.invoke(R.DomainGetState, { dom, flags: 0 });
  }

  /** REMOTE_PROC_DOMAIN_GET_INFO. */
  domainGetInfo(dom: DomainRef): Promise<DomainInfo> {
    return this.invoke(R.DomainGetInfo, { dom });
  }

  /** REMOTE_PROC_DOMAIN_IS_ACTIVE: true while the domain runs (or is paused). */
  async domainIsActive(dom: DomainRef): Promise<boolean> {
    return (await this.invoke(R.DomainIsActive, { dom })) === 1;
  }

  /** REMOTE_PROC_DOMAIN_IS_PERSISTENT: true if the domain has a persistent definition. */
  async domainIsPersistent(dom: DomainRef): Promise<boolean> {
    return (await this.invoke(R.DomainIsPersistent, { dom })) === 1;
  }

  /** REMOTE_PROC_DOMAIN_GET_MAX_VCPUS. */
  domainGetMaxVcpus(dom: DomainRef): Promise<number> {
    return this.invoke(R.DomainGetMaxVcpus, { dom });
  }

  // --- metadata ------------------------------------------------------------------------

  /**
   * REMOTE_PROC_DOMAIN_GET_METADATA: the `type` metadata (for METADATA_ELEMENT, the element in
   * namespace `uri`, as XML); fails with VIR_ERR_NO_DOMAIN_METADATA (isNoDomainMetadata) when absent.
   */
  domainGetMetadata(dom: DomainRef, type: number, uri: string | null, flags: number): Promise<string> {
    return this.invoke(R.DomainGetMetadata, { dom, type, uri, flags });
  }

  /** REMOTE_PROC_DOMAIN_SET_METADATA: sets (or, with `metadata` null, removes) the `type` metadata. */
  domainSetMetadata(dom: DomainRef, type: number, metadata: string | null, key: string | null, uri: string | null, flags: number): Promise<void> {
    return this.invoke(R.DomainSetMetadata, { dom, type, metadata, key, uri, flags });
  }

  // --- vCPUs -----------------------------------------------------------------------------

  /** REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS with VCPU_* `flags` (LIVE|CONFIG together is rejected). */
  domainGetVcpusFlags(dom: DomainRef, flags: number): Promise<number> {
    return this.invoke(R.DomainGetVcpusFlags, { dom, flags });
  }

  /** REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS. */
  domainSetVcpusFlags(dom: DomainRef, nvcpus: number, flags: number): Promise<void> {
    return this.invoke(R.DomainSetVcpusFlags, { dom, nvcpus, flags });
  }

  /** REMOTE_PROC_DOMAIN_SET_VCPU: enable/disable the vCPU ids in `cpumap` (e.g. "1-2"). */
  domainSetVcpu(dom: DomainRef, cpumap: string, enable: boolean, flags: number): Promise<void> {
    return this.invoke(R.DomainSetVcpu, { dom, cpumap, state: enable ? 1 : 0, flags });
  }

  /** REMOTE_PROC_DOMAIN_GET_GUEST_VCPUS (via the guest agent), lists parsed. */
  async domainGetGuestVcpus(dom: DomainRef, flags = 0): Promise<GuestVcpus> {
    const params: TypedParam[] = await this.invoke(R.DomainGetGuestVcpus, { dom, flags });
    const list = (field: string): number[] => parseCpuList(typedParamString(params, field) ?? "");
    return { vcpus: list("vcpus"), online: list("online"), offlinable: list("offlinable") };
  }

  /** REMOTE_PROC_DOMAIN_SET_GUEST_VCPUS: online/offline `cpumap` inside the guest. */
  domainSetGuestVcpus(dom: DomainRef, cpumap: string, enable: boolean, flags = 0): Promise<void> {
    return this.invoke(R.DomainSetGuestVcpus, { dom, cpumap, state: enable ? 1 : 0, flags });
  }

  // --- domain lifecycle ----------------------------------------------------------------

  /** REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS (returns id -1: not running). */
  domainDefineXmlFlags(xml: string, flags: number): Promise<DomainRef> {
    return this.invoke(R.DomainDefineXmlFlags, { xml, flags });
  }

  /** REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS with UNDEFINE_* `flags`. */
  domainUndefineFlags(dom: DomainRef, flags: number): Promise<void> {
    return this.invoke(R.DomainUndefineFlags, { dom, flags });
  }

  /** REMOTE_PROC_DOMAIN_CREATE (returns nothing; look the domain up again for its id). */
  domainCreate(dom: DomainRef): Promise<void> {
    return this.invoke(R.DomainCreate, { dom });
  }

  /** REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS with START_* `flags`; returns the started domain. */
  domainCreateWithFlags(dom: DomainRef, flags: number): Promise<DomainRef> {
    return this.invoke(R.DomainCreateWithFlags, { dom, flags });
  }

  /** REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS with SHUTDOWN_* `flags` (asks the guest). */
  domainShutdownFlags(dom: DomainRef, flags: number): Promise<void> {
    return this.invoke(R.DomainShutdownFlags, { dom, flags });
  }

  /** REMOTE_PROC_DOMAIN_DESTROY (hard power-off). */
  domainDestroy(dom: DomainRef): Promise<void> {
    return this.invoke(R.DomainDestroy, { dom });
  }

  /** REMOTE_PROC_DOMAIN_DESTROY_FLAGS with DESTROY_* `flags`. */
  domainDestroyFlags(dom: DomainRef, flags: number): Promise<void> {
    return this.invoke(R.DomainDestroyFlags, { dom, flags });
  }

  // --- events ------------------------------------------------------------------------

  /** REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY (`dom` null = all domains); returns the callback id. */
  domainEventCallbackRegisterAny(eventId: number, dom: DomainRef | null): Promise<number> {
    return this.invoke(R.ConnectDomainEventCallbackRegisterAny, { eventId, dom });
  }

  /** REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY. */
  domainEventCallbackDeregisterAny(callbackId: number): Promise<void> {
    return this.invoke(R.ConnectDomainEventCallbackDeregisterAny, { callbackId });
  }

  // --- QEMU program --------------------------------------------------------------------

  /** QEMU_PROC_DOMAIN_MONITOR_COMMAND: QMP JSON (flags 0) or HMP (QEMU_MONITOR_COMMAND_HMP). Taints the domain. */
  qemuDomainMonitorCommand(dom: DomainRef, cmd: string, flags: number): Promise<string> {
    return this.invoke(Q.QemuDomainMonitorCommand, { dom, cmd, flags });
  }

  /** QEMU_PROC_DOMAIN_AGENT_COMMAND: raw guest-agent JSON; `timeoutSec` or QEMU_AGENT_COMMAND_*. */
  qemuDomainAgentCommand(dom: DomainRef, cmd: string, timeoutSec: number, flags: number): Promise<string | null> {
    return this.invoke(Q.QemuDomainAgentCommand, { dom, cmd, timeout: timeoutSec, flags });
  }

  /** QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER (null dom/event = all); returns the callback id. */
  qemuConnectDomainMonitorEventRegister(dom: DomainRef | null, event: string | null, flags: number): Promise<number> {
    return this.invoke(Q.QemuConnectDomainMonitorEventRegister, { dom, event, flags });
  }

  /** QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER. */
  qemuConnectDomainMonitorEventDeregister(callbackId: number): Promise<void> {
    return this.invoke(Q.QemuConnectDomainMonitorEventDeregister, { callbackId });
  }
}
