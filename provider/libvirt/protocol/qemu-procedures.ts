/**
 * QEMU_PROGRAM procedures (qemu_protocol.x), one entry per procedure with its
 * `qemu_*_args` encoder and `qemu_*_ret` decoder.
 */
import type { XdrReader } from "../xdr/reader";
import type { XdrWriter } from "../xdr/writer";
import { QEMU_PROGRAM, QemuProcedure } from "./constants";
import { voidRet, type Procedure } from "./procedure";
import {
  readNonnullString,
  readRemoteString,
  writeNonnullDomain,
  writeNonnullString,
  writeRemoteDomain,
  writeRemoteString,
  type DomainRef,
} from "./types";

/** Builds a QEMU_PROGRAM {@link Procedure}; the wire name is derived from the table key. */
function qemu<A, R>(
  key: keyof typeof QemuProcedure,
  writeArgs: (w: XdrWriter, a: A) => void,
  readRet: (r: XdrReader) => R,
): Procedure<A, R> {
  return { program: QEMU_PROGRAM, proc: QemuProcedure[key], name: `QEMU_PROC_${key}`, writeArgs, readRet };
}

/**
 * QEMU_PROC_DOMAIN_MONITOR_COMMAND: `{ remote_nonnull_domain dom; remote_nonnull_string cmd;
 * unsigned int flags; }` → `{ remote_nonnull_string result; }`. Taints the domain.
 */
export const QemuDomainMonitorCommand = qemu<{ dom: DomainRef; cmd: string; flags: number }, string>(
  "DOMAIN_MONITOR_COMMAND",
  (w, a) => {
    writeNonnullDomain(w, a.dom);
    writeNonnullString(w, a.cmd);
    w.writeU32(a.flags);
  },
  readNonnullString,
);

/**
 * QEMU_PROC_DOMAIN_AGENT_COMMAND: `{ remote_nonnull_domain dom; remote_nonnull_string cmd;
 * int timeout; unsigned int flags; }` → `{ remote_string result; }`.
 */
export const QemuDomainAgentCommand = qemu<{ dom: DomainRef; cmd: string; timeout: number; flags: number }, string | null>(
  "DOMAIN_AGENT_COMMAND",
  (w, a) => {
    writeNonnullDomain(w, a.dom);
    writeNonnullString(w, a.cmd);
    w.writeI32(a.timeout);
    w.writeU32(a.flags);
  },
  readRemoteString,
);

/**
 * QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER: `{ remote_domain dom; remote_string event;
 * unsigned int flags; }` → `{ int callbackID; }`. NULL dom = all domains, NULL event = all.
 */
export const QemuConnectDomainMonitorEventRegister = qemu<{ dom: DomainRef | null; event: string | null; flags: number }, number>(
  "CONNECT_DOMAIN_MONITOR_EVENT_REGISTER",
  (w, a) => {
    writeRemoteDomain(w, a.dom);
    writeRemoteString(w, a.event);
    w.writeU32(a.flags);
  },
  (r) => r.readI32(),
);

/** QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER: `{ int callbackID; }` → void. */
export const QemuConnectDomainMonitorEventDeregister = qemu<{ callbackId: number }, void>(
  "CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER",
  (w, a) => void w.writeI32(a.callbackId),
  voidRet,
);
