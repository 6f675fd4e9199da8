/**
 * Option, result and event types of {@link LibvirtClient} (client.ts), plus the
 * version formatter for CONNECT_GET_VERSION / CONNECT_GET_LIB_VERSION.
 */
import type { ProtocolError } from "./errors";
import type { DomainEvent, MonitorEvent } from "./protocol/events";
import type * as R from "./protocol/remote-procedures";
import type { Dialer, ReadOnlyMode } from "./transport/dialer";

/** Default connection URI. */
export const DEFAULT_URI = "qemu:///system";

/** Options of {@link LibvirtClient.connect}. */
export interface ConnectOptions {
  /** Libvirt URI (default `qemu:///system`); also gives the name sent in CONNECT_OPEN. */
  uri?: string;
  /** How to reach the daemon (default: `dialerForUri(uri)`). */
  dialer?: Dialer;
  /** Ask for server PINGs (CONNECT_SUPPORTS_FEATURE(PROGRAM_KEEPALIVE)); PINGs are always answered. */
  keepalive?: boolean;
  /**
   * Bound of dial + AUTH_LIST (+ AUTH_POLKIT) + CONNECT_OPEN together, in ms (default
   * 10 000; 0 = none). On expiry connect() rejects with ConnectTimeoutError naming the phase.
   */
  connectTimeoutMs?: number;
  /** How long close() waits for the CONNECT_CLOSE reply before destroying the socket, in ms (default 2000). */
  closeTimeoutMs?: number;
  /** Default per-call timeout in ms (default: none). */
  callTimeoutMs?: number;
  /**
   * Open read-only (VIR_CONNECT_RO) through the read-only socket (`…-sock-ro`); `"fallback"`
   * opens read-write, or read-only when the read-write socket refuses us (EACCES).
   */
  readOnly?: ReadOnlyMode;
  /** Keepalive PING interval on remote connections, in ms (default 5000, as libvirt's client; 0 = off). */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalive PINGs before the connection is closed with KEEPALIVE_TIMEOUT (default 5). */
  keepaliveCount?: number;
  /** Receives exceptions thrown by event listeners (default: rethrown asynchronously). */
  onListenerError?: (err: unknown) => void;
}

/** `remote_domain_get_info_ret`, with units in the names. */
export type DomainInfo = R.DomainInfo;

/** Parsed DOMAIN_GET_GUEST_VCPUS result (each a sorted vCPU id list). */
export interface GuestVcpus {
  vcpus: number[];
  online: number[];
  offlinable: number[];
}

/** Events of a {@link LibvirtClient}. */
export interface LibvirtClientEvents {
  /** A decoded domain event (callback-style REMOTE_PROC_DOMAIN_EVENT_CALLBACK_*). */
  domainEvent: (e: DomainEvent) => void;
  /** A QEMU_PROC_DOMAIN_MONITOR_EVENT. */
  monitorEvent: (e: MonitorEvent) => void;
  /** The connection ended; `err` is undefined after close(). */
  close: (err?: Error) => void;
  /** An event message could not be decoded (the connection stays up). */
  protocolError: (err: ProtocolError) => void;
}

/** Formats libvirt's packed version (major·10⁶ + minor·10³ + micro) as "9.0.0". */
export function formatVersion(v: bigint): string {
  return `${v / 1000000n}.${(v / 1000n) % 1000n}.${v % 1000n}`;
}

