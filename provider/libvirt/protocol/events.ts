/**
 * Decoders for event MESSAGE payloads (type MESSAGE, serial 0): the callback-style domain
 * events of remote_protocol.x and QEMU_PROC_DOMAIN_MONITOR_EVENT of qemu_protocol.x.
 */
import { XdrReader } from "../xdr/reader";
import { RemoteProcedure } from "./constants";
import { readNonnullDomain, readNonnullString, readRemoteString, type DomainRef } from "./types";

/** REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE (318): `{ int callbackID; { dom; int event; int detail; } msg; }`. */
export interface LifecycleEvent {
  kind: "lifecycle";
  callbackId: number;
  dom: DomainRef;
  /** virDomainEventType (EVENT_STARTED, EVENT_STOPPED, …). */
  event: number;
  /** Event-specific detail (e.g. EVENT_STOPPED_DESTROYED). */
  detail: number;
}

/** REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_{REMOVED 333, ADDED 354, REMOVAL_FAILED 367}: `{ int callbackID; dom; devAlias; }`. */
export interface DeviceEvent {
  kind: "deviceRemoved" | "deviceAdded" | "deviceRemovalFailed";
  callbackId: number;
  dom: DomainRef;
  devAlias: string;
}

/** REMOTE_PROC_DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE (348): `{ int callbackID; dom; int state; int reason; }`. */
export interface AgentLifecycleEvent {
  kind: "agentLifecycle";
  callbackId: number;
  dom: DomainRef;
  /** AGENT_LIFECYCLE_STATE_CONNECTED (1) / _DISCONNECTED (2). */
  state: number;
  /** AGENT_LIFECYCLE_REASON_* (0 unknown, 1 domain started, 2 channel). */
  reason: number;
}

/** Every domain event this client decodes; narrow on `kind`. */
export type DomainEvent = LifecycleEvent | DeviceEvent | AgentLifecycleEvent;

/**
 * QEMU_PROC_DOMAIN_MONITOR_EVENT (6): `{ int callbackID; remote_nonnull_domain dom;
 * remote_nonnull_string event; hyper seconds; unsigned int micros; remote_string details; }`.
 * `details` is the QMP event's `data` as JSON text.
 */
export interface MonitorEvent {
  callbackId: number;
  dom: DomainRef;
  event: string;
  seconds: bigint;
  micros: number;
  details: string | null;
}

function readDeviceEvent(r: XdrReader, kind: DeviceEvent["kind"]): DeviceEvent {
  return { kind, callbackId: r.readI32(), dom: readNonnullDomain(r), devAlias: readNonnullString(r) };
}

function readLifecycle(r: XdrReader): LifecycleEvent {
  return { kind: "lifecycle", callbackId: r.readI32(), dom: readNonnullDomain(r), event: r.readI32(), detail: r.readI32() };
}

function readAgentLifecycle(r: XdrReader): AgentLifecycleEvent {
  return { kind: "agentLifecycle", callbackId: r.readI32(), dom: readNonnullDomain(r), state: r.readI32(), reason: r.readI32() };
}

function readDomainEvent(proc: number, r: XdrReader): DomainEvent | undefined {
  switch (proc) {
    case RemoteProcedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE:
      return readLifecycle(r);
    case RemoteProcedure.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED:
      return readDeviceEvent(r, "deviceRemoved");
    case RemoteProcedure.DOMAIN_EVENT_CALLBACK_DEVICE_ADDED:
      return readDeviceEvent(r, "deviceAdded");
    case RemoteProcedure.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED:
      return readDeviceEvent(r, "deviceRemovalFailed");
    case RemoteProcedure.DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE:
      return readAgentLifecycle(r);
    default:
      return undefined;
  }
}

/**
 * Decodes a REMOTE_PROGRAM event message with procedure `proc`. Returns undefined for
 * event procedures this client does not know; throws XdrError on a malformed payload.
 */
export function decodeDomainEvent(proc: number, payload: Buffer): DomainEvent | undefined {
  const r = new XdrReader(payload);
  const ev = readDomainEvent(proc, r);
  if (ev !== undefined) r.end();
  return ev;
}

/** Decodes a QEMU_PROC_DOMAIN_MONITOR_EVENT payload; throws XdrError if malformed. */
export function decodeMonitorEvent(payload: Buffer): MonitorEvent {
  const r = new XdrReader(payload);
  const ev: MonitorEvent = {
    callbackId: r.readI32(),
    dom: readNonnullDomain(r),
    event: readNonnullString(r),
    seconds: r.readHyper(),
    micros: r.readU32(),
    details: readRemoteString(r),
  };
  r.end();
  return ev;
}
