/**
 * Public API of the pure-TypeScript libvirt RPC client (`provider/libvirt`). Imports
 * only node builtins. Layers: xdr/ → protocol/ → transport/ → rpc.ts → client.ts.
 */
export { LibvirtClient, DEFAULT_URI, DEFAULT_CONNECT_TIMEOUT_MS, formatVersion } from "./client";
export type { ConnectOptions, DomainInfo, GuestVcpus, LibvirtClientEvents } from "./client";
export type { DomainEvent, LifecycleEvent, DeviceEvent, AgentLifecycleEvent, MonitorEvent } from "./protocol/events";
export type { DomainRef, TypedParam } from "./protocol/types";
export { TypedParamType } from "./protocol/types";
export type { Procedure } from "./protocol/procedure";
export * as RemoteProcedures from "./protocol/remote-procedures";
export * as QemuProcedures from "./protocol/qemu-procedures";
export { RpcConnection } from "./rpc";
export type { RpcOptions, CallOptions, RpcStats, MessageListener, CloseListener } from "./rpc";
export { UnixDialer } from "./transport/unix";
export { dialerForUri, DIALABLE_TRANSPORTS } from "./transport/dialers";
export type { Dialer, DialerOptions } from "./transport/dialer";
export type { UnixDialerOptions } from "./transport/unix";
export { parseLibvirtUri, DEFAULT_SYSTEM_SOCKET } from "./transport/uri";
export type { LibvirtUri } from "./transport/uri";
export { parseCpuList, formatCpuList } from "./cpumap";
export * from "./constants";
export {
  LibvirtClientError,
  LibvirtError,
  ConnectionClosedError,
  ProtocolError,
  XdrError,
  CallTimeoutError,
  TransportUnsupportedError,
  InvalidUriError,
  DialError,
  ConnectError,
  ConnectTimeoutError,
  AuthUnsupportedError,
  AuthFailedError,
  CpuListError,
  findLibvirtError,
  isLibvirtClientError,
  isNoDomain,
  isNoDomainMetadata,
  isOperationTimeout,
  isAgentUnresponsive,
  isAgentNotConfigured,
  isInvalidArg,
  isOperationInvalid,
  isUnsupported,
} from "./errors";
export type { ConnectPhase, LibvirtClientErrorCode, RemoteErrorFields, XdrErrorReason } from "./errors";
// ssh transports (qemu+ssh, qemu+libssh, qemu+libssh2)
export { SshDialer } from "./transport/ssh";
export { LibsshDialer } from "./transport/libssh";
export { sshParams } from "./transport/ssh-params";
export type { SshParams, SshProxy, KnownHostsVerify, SshAuthMethod } from "./transport/ssh-params";
export { SshError, findSshError } from "./errors";
export type { SshFailureReason } from "./errors";
export { SocketNotFoundError, SocketAccessDeniedError, KeepaliveTimeoutError, isOperationDenied } from "./errors";
export { resolveUnixSocket, type SocketMode, type SocketProbe, type UnixSocketChoice } from "./transport/uri";
export type { ReadOnlyMode } from "./transport/dialer";
export { Keepalive, DEFAULT_KEEPALIVE_INTERVAL_MS, DEFAULT_KEEPALIVE_COUNT } from "./keepalive";
// qemu+tls / qemu+tcp
export { TlsDialer, DEFAULT_TLS_PORT } from "./transport/tls";
export type { TlsDialerOptions } from "./transport/tls";
export { TcpDialer, DEFAULT_TCP_PORT } from "./transport/tcp";
export { resolvePkiPaths, DEFAULT_PKI } from "./transport/pki";
export type { PkiPaths } from "./transport/pki";
export { TlsPkiMissingError, TlsServerUntrustedError, TlsHostnameMismatchError, TlsCertExpiredError, TlsClientRejectedError } from "./errors";
