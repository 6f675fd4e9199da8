/**
 * The fake domain's side of the wire: decoders for the `*_args` structs the backend sends
 * (the inverse of the client's encoders in provider/libvirt/protocol) and encoders for the
 * `*_ret` structs and event messages it answers with, built on the project's own XDR
 * reader/writer and type codecs. Spec: remote_protocol.x, qemu_protocol.x.
 */
import type { RemoteErrorFields } from "../../../../provider/libvirt/errors";
import {
  readNonnullDomain,
  readNonnullString,
  readRemoteString,
  readUuid,
  writeNonnullDomain,
  writeNonnullString,
  writeTypedParam,
  type DomainRef,
  type TypedParam,
  writeRemoteString,
} from "../../../../provider/libvirt/protocol/types";
import type { XdrReader } from "../../../../provider/libvirt/xdr/reader";
import { XdrWriter } from "../../../../provider/libvirt/xdr/writer";
import { ok, type FakeReply } from "../../../fakes/libvirtd";

/** Args `{ remote_nonnull_domain dom; }`. */
export const readDom = (r: XdrReader) => ({ dom: readNonnullDomain(r) });
/** Args `{ dom; unsigned int flags; }`. */
export const readDomFlags = (r: XdrReader) => ({ dom: readNonnullDomain(r), flags: r.readU32() });
/** Args `{ dom; remote_nonnull_string cpumap; int state; unsigned int flags; }` (SET_VCPU, SET_GUEST_VCPUS). */
export const readDomCpumap = (r: XdrReader) => ({ dom: readNonnullDomain(r), cpumap: readNonnullString(r), state: r.readI32(), flags: r.readU32() });
/** Args `{ dom; unsigned int nvcpus; unsigned int flags; }` (SET_VCPUS_FLAGS). */
export const readSetVcpusFlags = (r: XdrReader) => ({ dom: readNonnullDomain(r), nvcpus: r.readU32(), flags: r.readU32() });
/** Args `{ remote_nonnull_string name; }` (LOOKUP_BY_NAME). */
export const readName = (r: XdrReader) => ({ name: readNonnullString(r) });
/** Args `{ remote_uuid uuid; }` (LOOKUP_BY_UUID). */
export const readUuidArgs = (r: XdrReader) => ({ uuid: readUuid(r) });
/** Args `{ remote_nonnull_string xml; unsigned int flags; }` (DEFINE_XML_FLAGS). */
export const readDefine = (r: XdrReader) => ({ xml: readNonnullString(r), flags: r.readU32() });
/** Args `{ int eventID; remote_domain dom; }` (CALLBACK_REGISTER_ANY). */
export const readRegisterAny = (r: XdrReader) => ({ eventId: r.readI32(), dom: r.readOptional(readNonnullDomain) });
/** Args `{ int callbackID; }` (CALLBACK_DEREGISTER_ANY). */
export const readCallbackId = (r: XdrReader) => ({ callbackId: r.readI32() });
/** Args `{ dom; remote_nonnull_string cmd; unsigned int flags; }` (QEMU DOMAIN_MONITOR_COMMAND). */
export const readMonitorCommand = (r: XdrReader) => ({ dom: readNonnullDomain(r), cmd: readNonnullString(r), flags: r.readU32() });

export const readAgentCommand = (r: XdrReader) => ({ dom: readNonnullDomain(r), cmd: readNonnullString(r), timeout: r.readI32(), flags: r.readU32() });
/** Args `{ dom; int type; remote_string metadata; remote_string key; remote_string uri; unsigned int flags; }` (SET_METADATA). */
export const readSetMetadata = (r: XdrReader) => ({
  dom: readNonnullDomain(r), type: r.readI32(), metadata: readRemoteString(r), key: readRemoteString(r), uri: readRemoteString(r), flags: r.readU32(),
});
/** Args `{ dom; int type; remote_string uri; unsigned int flags; }` (GET_METADATA). */
export const readGetMetadata = (r: XdrReader) => ({ dom: readNonnullDomain(r), type: r.readI32(), uri: readRemoteString(r), flags: r.readU32() });
/** Void args. */
export const readVoid = (): void => undefined;

/** Ret `{ remote_nonnull_domain dom; }`. */
export const domRet = (dom: DomainRef): FakeReply => ok((w) => writeNonnullDomain(w, dom));
/** Ret `{ int x; }`. */
export const intRet = (v: number): FakeReply => ok((w) => void w.writeI32(v));
/** Ret `{ unsigned hyper x; }` (versions). */
export const hyperRet = (v: bigint): FakeReply => ok((w) => void w.writeUHyper(v));
/** Ret `{ remote_nonnull_string x; }` (XML, monitor reply). */
export const stringRet = (s: string): FakeReply => ok((w) => writeNonnullString(w, s));

/** A `remote_string` reply (QEMU_PROC_DOMAIN_AGENT_COMMAND's result). */
export const remoteStringRet = (s: string | null): FakeReply => ok((w) => writeRemoteString(w, s));
/** Ret `{ int state; int reason; }` (GET_STATE). */
export const stateRet = (state: number, reason: number): FakeReply => ok((w) => void w.writeI32(state).writeI32(reason));
/** Ret `{ remote_typed_param params<…>; }` (GET_GUEST_VCPUS). */
export const typedParamsRet = (params: readonly TypedParam[]): FakeReply => ok((w) => void w.writeArray(params, (ww, p) => writeTypedParam(ww, p)));

/**
 * REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE (318) message:
 * `{ int callbackID; { remote_nonnull_domain dom; int event; int detail; } msg; }`.
 */
export function lifecycleMessage(callbackId: number, dom: DomainRef, event: number, detail: number): Buffer {
  const w = new XdrWriter().writeI32(callbackId);
  writeNonnullDomain(w, dom);
  return Buffer.from(w.writeI32(event).writeI32(detail).finish());
}

/** libvirt errors as recorded on libvirtd 9.0.0 / QEMU 7.2 (notes §1.6, §3). */
export const LIBVIRT_ERRORS = {
  /** VIR_ERR_NO_DOMAIN from the qemu driver. */
  noDomain: (name: string): Partial<RemoteErrorFields> => ({ code: 42, domain: 10, message: `Domain not found: no domain with matching name '${name}'` }),
  /** VIR_ERR_OPERATION_TIMEOUT: libvirt's 5 s wait for DEVICE_DELETED of `vcpuN` ran out (§3.3). */
  unplugTimedOut: {
    code: 68, // VIR_ERR_OPERATION_TIMEOUT
    domain: 10, // VIR_FROM_QEMU
    message: "Timed out during operation: vcpu unplug request timed out. Unplug result must be manually inspected in the domain",
    str1: "Timed out during operation: %s",
    str2: "vcpu unplug request timed out. Unplug result must be manually inspected in the domain",
  } satisfies Partial<RemoteErrorFields>,
  /** What the next vCPU change got after a timed-out unplug (§3.3). */
  unknownCause: { code: 1, domain: 10, message: "An error occurred, but the cause is unknown" } satisfies Partial<RemoteErrorFields>,
  /** VIR_ERR_AGENT_UNRESPONSIVE when an agent command's own timeout runs out (the agent is hung). */
  agentTimedOut: { code: 86, domain: 10, message: "Guest agent is not responding: Guest agent not available for now" } satisfies Partial<RemoteErrorFields>,
  /** VIR_ERR_ARGUMENT_UNSUPPORTED: no `org.qemu.guest_agent.0` channel. */
  agentNotConfigured: { code: 74, domain: 10, message: "argument unsupported: QEMU guest agent is not configured" } satisfies Partial<RemoteErrorFields>,
  /** VIR_ERR_AGENT_UNRESPONSIVE: the channel exists, nobody answers on it. */
  agentNotConnected: { code: 86, domain: 10, message: "Guest agent is not responding: QEMU guest agent is not connected" } satisfies Partial<RemoteErrorFields>,
  /** VIR_ERR_OPERATION_INVALID for calls that need a running domain. */
  notRunning: { code: 55, domain: 10, message: "Requested operation is not valid: domain is not running" } satisfies Partial<RemoteErrorFields>,
  /** VIR_ERR_OPERATION_INVALID for DOMAIN_CREATE of a running domain. */
  alreadyRunning: { code: 55, domain: 10, message: "Requested operation is not valid: domain is already running" } satisfies Partial<RemoteErrorFields>,
} as const;
