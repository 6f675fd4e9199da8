/**
 * QMP (QEMU Machine Protocol, docs/interop/qmp-spec) and qemu-ga (qga/qapi-schema.json) client: pure codec, zod
 * message schemas, a dialer seam, a {@link Monitor} with socket and function-backed implementations, and a
 * {@link GuestAgent} with socket and function-backed implementations. Imports nothing else of the project.
 */
export {
  LineSplitter,
  type SplitItem,
  classify,
  classifyReply,
  decodeLine,
  encodeCommand,
  encodeCommandJson,
  encodeSyncDelimited,
  SYNC_BYTE,
  type Classified,
  type Dialect,
  type WireCommand,
} from "./codec";
export * from "./messages";
export * from "./errors";
export { unixDialer, tcpDialer, type QmpDialer, type DialOptions } from "./transport";
export { gatewayDialer, type GatewayDialOptions } from "./transport-ws";
export {
  EventHub,
  QMP_EVENTS,
  acpiDeviceOst,
  anyOf,
  cpuLapicDeleted,
  deviceDeleted,
  unplugGuestError,
  type DeviceRef,
  type EventListener,
  type EventMark,
  type EventPredicate,
} from "./events";
export { SocketMonitor, type ExecuteOptions, type Monitor, type SocketMonitorOptions } from "./monitor";
export { FunctionMonitor, replyValue, type ExecJson, type FunctionMonitorOptions } from "./function-monitor";
export {
  GuestAgentBase,
  SocketGuestAgent,
  setAllVcpus,
  toGuestVcpus,
  type AgentExecuteOptions,
  type GuestAgent,
  type GuestVcpu,
  type GuestVcpuChange,
  type SocketGuestAgentOptions,
} from "./agent";
export { FunctionGuestAgent, type FunctionGuestAgentOptions } from "./function-agent";
export { withTimeout, remaining } from "./deadline";
export { addCpuLegacy, cpuDeviceAddArgs, plugCpu, query, requestDeviceDel } from "./commands";
