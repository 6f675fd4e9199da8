/**
 * Wire constants of libvirt's RPC protocol: programs, message types and status
 * (src/rpc/virnetprotocol.x), size limits, and the one procedures table of the
 * procedures this client speaks (src/remote/remote_protocol.x, qemu_protocol.x,
 * src/rpc/virkeepaliveprotocol.x). Numbers are append-only ABI.
 */

/** REMOTE_PROGRAM (remote_protocol.x). */
export const REMOTE_PROGRAM = 0x20008086;
/** QEMU_PROGRAM (qemu_protocol.x). */
export const QEMU_PROGRAM = 0x20008087;
/** KEEPALIVE_PROGRAM, ASCII "keep" (virkeepaliveprotocol.x). */
export const KEEPALIVE_PROGRAM = 0x6b656570;
/** REMOTE_PROTOCOL_VERSION = QEMU_PROTOCOL_VERSION = KEEPALIVE_PROTOCOL_VERSION = 1. */
export const PROTOCOL_VERSION = 1;

/** virNetMessageType (virnetprotocol.x). */
export const MessageType = {
  /** VIR_NET_CALL: client → server request; serial chosen by the client. */
  CALL: 0,
  /** VIR_NET_REPLY: answer to a CALL; echoes its serial. */
  REPLY: 1,
  /** VIR_NET_MESSAGE: async event or keepalive; serial 0. */
  MESSAGE: 2,
  /** VIR_NET_STREAM: stream data (unused here). */
  STREAM: 3,
  /** VIR_NET_CALL_WITH_FDS (unused here). */
  CALL_WITH_FDS: 4,
  /** VIR_NET_REPLY_WITH_FDS (unused here). */
  REPLY_WITH_FDS: 5,
  /** VIR_NET_STREAM_HOLE (unused here). */
  STREAM_HOLE: 6,
} as const;

/** virNetMessageStatus (virnetprotocol.x). */
export const MessageStatus = {
  /** VIR_NET_OK: payload is the *_ret / *_msg struct. */
  OK: 0,
  /** VIR_NET_ERROR: payload is `remote_error`. */
  ERROR: 1,
  /** VIR_NET_CONTINUE: streams only. */
  CONTINUE: 2,
} as const;

/** VIR_NET_MESSAGE_LEN_MAX: the 4-byte length word that starts each frame. */
export const LENGTH_WORD_BYTES = 4;
/** Length word + virNetMessageHeader (6 × 4 bytes; VIR_NET_MESSAGE_HEADER_MAX = 24). */
export const HEADER_BYTES = 28;
/**
 * VIR_NET_MESSAGE_MAX = 33554432 (32 MiB) in current virnetprotocol.x. Measured on
 * 9.0.0: a frame of 4 + 32 MiB is accepted, one byte more drops the connection.
 */
export const MESSAGE_MAX = 33554432;
/** Largest frame (length word value) accepted: 4 + MESSAGE_MAX. */
export const FRAME_MAX = LENGTH_WORD_BYTES + MESSAGE_MAX;
/** REMOTE_STRING_MAX (remote_protocol.x). */
export const REMOTE_STRING_MAX = 4194304;
/** REMOTE_DOMAIN_LIST_MAX (remote_protocol.x). */
export const REMOTE_DOMAIN_LIST_MAX = 16384;
/** REMOTE_AUTH_TYPE_LIST_MAX (remote_protocol.x). */
export const REMOTE_AUTH_TYPE_LIST_MAX = 20;
/** REMOTE_DOMAIN_GUEST_VCPU_PARAMS_MAX (remote_protocol.x). */
export const REMOTE_DOMAIN_GUEST_VCPU_PARAMS_MAX = 64;
/** VIR_UUID_BUFLEN: `remote_uuid` is `opaque[16]`. */
export const UUID_BYTES = 16;

/** remote_auth_type (remote_protocol.x). */
export const AuthType = {
  /** REMOTE_AUTH_NONE. */
  NONE: 0,
  /** REMOTE_AUTH_SASL. */
  SASL: 1,
  /** REMOTE_AUTH_POLKIT. */
  POLKIT: 2,
} as const;

/** The procedures table: every procedure this client sends or receives, by program. */
export const RemoteProcedure = {
  CONNECT_OPEN: 1, // REMOTE_PROC_CONNECT_OPEN
  CONNECT_CLOSE: 2, // REMOTE_PROC_CONNECT_CLOSE
  CONNECT_GET_VERSION: 4, // REMOTE_PROC_CONNECT_GET_VERSION
  DOMAIN_CREATE: 9, // REMOTE_PROC_DOMAIN_CREATE
  DOMAIN_DESTROY: 12, // REMOTE_PROC_DOMAIN_DESTROY
  DOMAIN_GET_XML_DESC: 14, // REMOTE_PROC_DOMAIN_GET_XML_DESC
  DOMAIN_GET_INFO: 16, // REMOTE_PROC_DOMAIN_GET_INFO
  DOMAIN_GET_MAX_VCPUS: 18, // REMOTE_PROC_DOMAIN_GET_MAX_VCPUS
  DOMAIN_LOOKUP_BY_NAME: 23, // REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME
  DOMAIN_LOOKUP_BY_UUID: 24, // REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID
  CONNECT_GET_CAPABILITIES: 7, // REMOTE_PROC_CONNECT_GET_CAPABILITIES
  CONNECT_GET_HOSTNAME: 59, // REMOTE_PROC_CONNECT_GET_HOSTNAME
  CONNECT_SUPPORTS_FEATURE: 60, // REMOTE_PROC_CONNECT_SUPPORTS_FEATURE
  AUTH_LIST: 66, // REMOTE_PROC_AUTH_LIST
  AUTH_POLKIT: 70, // REMOTE_PROC_AUTH_POLKIT
  DOMAIN_IS_ACTIVE: 150, // REMOTE_PROC_DOMAIN_IS_ACTIVE
  DOMAIN_IS_PERSISTENT: 151, // REMOTE_PROC_DOMAIN_IS_PERSISTENT
  CONNECT_GET_LIB_VERSION: 157, // REMOTE_PROC_CONNECT_GET_LIB_VERSION
  DOMAIN_CREATE_WITH_FLAGS: 196, // REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS
  DOMAIN_SET_VCPUS_FLAGS: 199, // REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS
  DOMAIN_GET_VCPUS_FLAGS: 200, // REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS
  DOMAIN_GET_STATE: 212, // REMOTE_PROC_DOMAIN_GET_STATE
  DOMAIN_UNDEFINE_FLAGS: 231, // REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS
  DOMAIN_DESTROY_FLAGS: 234, // REMOTE_PROC_DOMAIN_DESTROY_FLAGS
  DOMAIN_SHUTDOWN_FLAGS: 258, // REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS
  DOMAIN_SET_METADATA: 264, // REMOTE_PROC_DOMAIN_SET_METADATA
  DOMAIN_GET_METADATA: 265, // REMOTE_PROC_DOMAIN_GET_METADATA
  CONNECT_LIST_ALL_DOMAINS: 273, // REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS
  CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: 316, // REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY
  CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY: 317, // REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY
  DOMAIN_EVENT_CALLBACK_LIFECYCLE: 318, // REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE (event message)
  DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED: 333, // REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED (event message)
  DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE: 348, // REMOTE_PROC_DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE (event message)
  DOMAIN_DEFINE_XML_FLAGS: 350, // REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS
  DOMAIN_EVENT_CALLBACK_DEVICE_ADDED: 354, // REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_ADDED (event message)
  DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED: 367, // REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED (event message)
  DOMAIN_GET_GUEST_VCPUS: 371, // REMOTE_PROC_DOMAIN_GET_GUEST_VCPUS
  DOMAIN_SET_GUEST_VCPUS: 372, // REMOTE_PROC_DOMAIN_SET_GUEST_VCPUS
  DOMAIN_SET_VCPU: 384, // REMOTE_PROC_DOMAIN_SET_VCPU
} as const;

/** QEMU_PROGRAM procedures (qemu_protocol.x). */
export const QemuProcedure = {
  DOMAIN_MONITOR_COMMAND: 1, // QEMU_PROC_DOMAIN_MONITOR_COMMAND
  DOMAIN_AGENT_COMMAND: 3, // QEMU_PROC_DOMAIN_AGENT_COMMAND
  CONNECT_DOMAIN_MONITOR_EVENT_REGISTER: 4, // QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER
  CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER: 5, // QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER
  DOMAIN_MONITOR_EVENT: 6, // QEMU_PROC_DOMAIN_MONITOR_EVENT (event message only)
} as const;

/** KEEPALIVE_PROGRAM procedures (virkeepaliveprotocol.x); both have empty payloads. */
export const KeepaliveProcedure = {
  PING: 1, // KEEPALIVE_PROC_PING
  PONG: 2, // KEEPALIVE_PROC_PONG
} as const;

/** Human name of a program number, for messages ("REMOTE", "QEMU", "KEEPALIVE"). */
export function programName(prog: number): string {
  switch (prog) {
    case REMOTE_PROGRAM:
      return "REMOTE";
    case QEMU_PROGRAM:
      return "QEMU";
    case KEEPALIVE_PROGRAM:
      return "KEEPALIVE";
    default:
      return `0x${prog.toString(16)}`;
  }
}
