/**
 * REMOTE_PROGRAM procedures used by the client, one entry per procedure, each with its
 * `remote_*_args` encoder and `remote_*_ret` decoder (remote_protocol.x). The exported
 * name is the wire name in PascalCase (`REMOTE_PROC_DOMAIN_SET_VCPU` → `DomainSetVcpu`).
 */
import type { XdrReader } from "../xdr/reader";
import type { XdrWriter } from "../xdr/writer";
import { REMOTE_AUTH_TYPE_LIST_MAX, REMOTE_DOMAIN_GUEST_VCPU_PARAMS_MAX, REMOTE_DOMAIN_LIST_MAX, REMOTE_PROGRAM, RemoteProcedure } from "./constants";
import { noArgs, voidRet, type Procedure } from "./procedure";
import {
  readNonnullDomain,
  readNonnullString,
  readTypedParams,
  writeNonnullDomain,
  writeNonnullString,
  writeRemoteDomain,
  writeRemoteString,
  writeUuid,
  type DomainRef,
  type TypedParam,
} from "./types";

/** Builds a REMOTE_PROGRAM {@link Procedure}; the wire name is derived from the table key. */
function remote<A, R>(
  key: keyof typeof RemoteProcedure,
  writeArgs: (w: XdrWriter, a: A) => void,
  readRet: (r: XdrReader) => R,
): Procedure<A, R> {
  return { program: REMOTE_PROGRAM, proc: RemoteProcedure[key], name: `REMOTE_PROC_${key}`, writeArgs, readRet };
}

/** Args `{ remote_nonnull_domain dom; }`. */
export interface DomArgs { dom: DomainRef }
/** Args `{ remote_nonnull_domain dom; unsigned int flags; }`. */
export interface DomFlagsArgs { dom: DomainRef; flags: number }
/** Args `{ remote_nonnull_domain dom; remote_nonnull_string cpumap; int state; unsigned int flags; }`. */
export interface DomCpumapArgs { dom: DomainRef; cpumap: string; state: number; flags: number }

const writeDom = (w: XdrWriter, a: DomArgs): void => writeNonnullDomain(w, a.dom);
const writeDomFlags = (w: XdrWriter, a: DomFlagsArgs): void => {
  writeNonnullDomain(w, a.dom);
  w.writeU32(a.flags);
};
const writeDomCpumap = (w: XdrWriter, a: DomCpumapArgs): void => {
  writeNonnullDomain(w, a.dom);
  writeNonnullString(w, a.cpumap);
  w.writeI32(a.state);
  w.writeU32(a.flags);
};
const readInt = (r: XdrReader): number => r.readI32();
const readUHyper = (r: XdrReader): bigint => r.readUHyper();

/** REMOTE_PROC_CONNECT_OPEN: `{ remote_string name; unsigned int flags; }` → void. */
export const ConnectOpen = remote<{ name: string | null; flags: number }, void>(
  "CONNECT_OPEN",
  (w, a) => {
    writeRemoteString(w, a.name);
    w.writeU32(a.flags);
  },
  voidRet,
);
/** REMOTE_PROC_CONNECT_CLOSE: void → void. */
export const ConnectClose = remote<void, void>("CONNECT_CLOSE", noArgs, voidRet);
/** REMOTE_PROC_CONNECT_GET_VERSION: void → `{ unsigned hyper hv_ver; }`. */
export const ConnectGetVersion = remote<void, bigint>("CONNECT_GET_VERSION", noArgs, readUHyper);
/** REMOTE_PROC_CONNECT_GET_LIB_VERSION: void → `{ unsigned hyper lib_ver; }`. */
export const ConnectGetLibVersion = remote<void, bigint>("CONNECT_GET_LIB_VERSION", noArgs, readUHyper);
/** REMOTE_PROC_CONNECT_GET_CAPABILITIES: void → `{ remote_nonnull_string capabilities; }` (the capabilities XML). */
export const ConnectGetCapabilities = remote<void, string>("CONNECT_GET_CAPABILITIES", noArgs, readNonnullString);
/** REMOTE_PROC_CONNECT_GET_HOSTNAME: void → `{ remote_nonnull_string hostname; }`. */
export const ConnectGetHostname = remote<void, string>("CONNECT_GET_HOSTNAME", noArgs, readNonnullString);
/** REMOTE_PROC_CONNECT_SUPPORTS_FEATURE: `{ int feature; }` → `{ int supported; }`. */
export const ConnectSupportsFeature = remote<{ feature: number }, number>(
  "CONNECT_SUPPORTS_FEATURE",
  (w, a) => void w.writeI32(a.feature),
  readInt,
);
/** REMOTE_PROC_AUTH_LIST: void → `{ remote_auth_type types<REMOTE_AUTH_TYPE_LIST_MAX>; }`. */
export const AuthList = remote<void, number[]>("AUTH_LIST", noArgs, (r) => r.readArray(readInt, REMOTE_AUTH_TYPE_LIST_MAX));
/** REMOTE_PROC_AUTH_POLKIT: void → `{ int complete; }`. */
export const AuthPolkit = remote<void, number>("AUTH_POLKIT", noArgs, readInt);
/**
 * REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS: `{ int need_results; unsigned int flags; }` →
 * `{ remote_nonnull_domain domains<REMOTE_DOMAIN_LIST_MAX>; unsigned int ret; }`.
 */
export const ConnectListAllDomains = remote<{ needResults: number; flags: number }, { domains: DomainRef[]; ret: number }>(
  "CONNECT_LIST_ALL_DOMAINS",
  (w, a) => {
    w.writeI32(a.needResults);
    w.writeU32(a.flags);
  },
  (r) => ({ domains: r.readArray(readNonnullDomain, REMOTE_DOMAIN_LIST_MAX), ret: r.readU32() }),
);
/** REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME: `{ remote_nonnull_string name; }` → `{ dom; }`. */
export const DomainLookupByName = remote<{ name: string }, DomainRef>(
  "DOMAIN_LOOKUP_BY_NAME",
  (w, a) => writeNonnullString(w, a.name),
  readNonnullDomain,
);
/** REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID: `{ remote_uuid uuid; }` → `{ dom; }`. */
export const DomainLookupByUuid = remote<{ uuid: string }, DomainRef>(
  "DOMAIN_LOOKUP_BY_UUID",
  (w, a) => writeUuid(w, a.uuid),
  readNonnullDomain,
);
/** REMOTE_PROC_DOMAIN_GET_XML_DESC: `{ dom; unsigned int flags; }` → `{ remote_nonnull_string xml; }`. */
export const DomainGetXmlDesc = remote<DomFlagsArgs, string>("DOMAIN_GET_XML_DESC", writeDomFlags, readNonnullString);
/** REMOTE_PROC_DOMAIN_GET_STATE: `{ dom; unsigned int flags; }` → `{ int state; int reason; }`. */
export const DomainGetState = remote<DomFlagsArgs, { state: number; reason: number }>(
  "DOMAIN_GET_STATE",
  writeDomFlags,
  (r) => ({ state: r.readI32(), reason: r.readI32() }),
);
/** `remote_domain_get_info_ret` (u_char/u_short members are 4 bytes on the wire). */
export interface DomainInfo {
  state: number;
  maxMemKiB: bigint;
  memoryKiB: bigint;
  nrVirtCpu: number;
  cpuTimeNs: bigint;
}
/**
 * REMOTE_PROC_DOMAIN_GET_INFO: `{ dom; }` → `{ unsigned char state; unsigned hyper maxMem;
 * unsigned hyper memory; unsigned short nrVirtCpu; unsigned hyper cpuTime; }`.
 */
export const DomainGetInfo = remote<DomArgs, DomainInfo>("DOMAIN_GET_INFO", writeDom, (r) => ({
  state: r.readU32(),
  maxMemKiB: r.readUHyper(),
  memoryKiB: r.readUHyper(),
  nrVirtCpu: r.readU32(),
  cpuTimeNs: r.readUHyper(),
}));
/** REMOTE_PROC_DOMAIN_IS_ACTIVE: `{ dom; }` → `{ int active; }`. */
export const DomainIsActive = remote<DomArgs, number>("DOMAIN_IS_ACTIVE", writeDom, readInt);
/** REMOTE_PROC_DOMAIN_IS_PERSISTENT: `{ dom; }` → `{ int persistent; }`. */
export const DomainIsPersistent = remote<DomArgs, number>("DOMAIN_IS_PERSISTENT", writeDom, readInt);
/** REMOTE_PROC_DOMAIN_GET_MAX_VCPUS: `{ dom; }` → `{ int num; }`. */
export const DomainGetMaxVcpus = remote<DomArgs, number>("DOMAIN_GET_MAX_VCPUS", writeDom, readInt);
/** REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS: `{ dom; unsigned int flags; }` → `{ int num; }`. */
export const DomainGetVcpusFlags = remote<DomFlagsArgs, number>("DOMAIN_GET_VCPUS_FLAGS", writeDomFlags, readInt);
/** REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS: `{ dom; unsigned int nvcpus; unsigned int flags; }` → void. */
export const DomainSetVcpusFlags = remote<{ dom: DomainRef; nvcpus: number; flags: number }, void>(
  "DOMAIN_SET_VCPUS_FLAGS",
  (w, a) => {
    writeNonnullDomain(w, a.dom);
    w.writeU32(a.nvcpus);
    w.writeU32(a.flags);
  },
  voidRet,
);
/** REMOTE_PROC_DOMAIN_SET_VCPU: `{ dom; remote_nonnull_string cpumap; int state; unsigned int flags; }` → void. */
export const DomainSetVcpu = remote<DomCpumapArgs, void>("DOMAIN_SET_VCPU", writeDomCpumap, voidRet);
/** REMOTE_PROC_DOMAIN_GET_GUEST_VCPUS: `{ dom; unsigned int flags; }` → `{ remote_typed_param params<64>; }`. */
export const DomainGetGuestVcpus = remote<DomFlagsArgs, TypedParam[]>("DOMAIN_GET_GUEST_VCPUS", writeDomFlags, (r) =>
  readTypedParams(r, REMOTE_DOMAIN_GUEST_VCPU_PARAMS_MAX),
);
/** REMOTE_PROC_DOMAIN_SET_GUEST_VCPUS: `{ dom; remote_nonnull_string cpumap; int state; unsigned int flags; }` → void. */
export const DomainSetGuestVcpus = remote<DomCpumapArgs, void>("DOMAIN_SET_GUEST_VCPUS", writeDomCpumap, voidRet);
/** REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS: `{ remote_nonnull_string xml; unsigned int flags; }` → `{ dom; }`. */
export const DomainDefineXmlFlags = remote<{ xml: string; flags: number }, DomainRef>(
  "DOMAIN_DEFINE_XML_FLAGS",
  (w, a) => {
    writeNonnullString(w, a.xml);
    w.writeU32(a.flags);
  },
  readNonnullDomain,
);
/** REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS: `{ dom; unsigned int flags; }` → void. */
export const DomainUndefineFlags = remote<DomFlagsArgs, void>("DOMAIN_UNDEFINE_FLAGS", writeDomFlags, voidRet);
/** REMOTE_PROC_DOMAIN_CREATE: `{ dom; }` → void. */
export const DomainCreate = remote<DomArgs, void>("DOMAIN_CREATE", writeDom, voidRet);
/** REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS: `{ dom; unsigned int flags; }` → `{ dom; }`. */
export const DomainCreateWithFlags = remote<DomFlagsArgs, DomainRef>("DOMAIN_CREATE_WITH_FLAGS", writeDomFlags, readNonnullDomain);
/** REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS: `{ dom; unsigned int flags; }` → void. */
export const DomainShutdownFlags = remote<DomFlagsArgs, void>("DOMAIN_SHUTDOWN_FLAGS", writeDomFlags, voidRet);
/** Args of REMOTE_PROC_DOMAIN_SET_METADATA (`remote_domain_set_metadata_args`); a NULL `metadata` removes it. */
export interface DomSetMetadataArgs {
  dom: DomainRef;
  type: number;
  metadata: string | null;
  key: string | null;
  uri: string | null;
  flags: number;
}
/**
 * REMOTE_PROC_DOMAIN_SET_METADATA: `{ dom; int type; remote_string metadata; remote_string key;
 * remote_string uri; unsigned int flags; }` → void.
 */
export const DomainSetMetadata = remote<DomSetMetadataArgs, void>(
  "DOMAIN_SET_METADATA",
  (w, a) => {
    writeNonnullDomain(w, a.dom);
    w.writeI32(a.type);
    writeRemoteString(w, a.metadata);
    writeRemoteString(w, a.key);
    writeRemoteString(w, a.uri);
    w.writeU32(a.flags);
  },
  voidRet,
);
/** REMOTE_PROC_DOMAIN_GET_METADATA: `{ dom; int type; remote_string uri; unsigned int flags; }` → `{ remote_nonnull_string metadata; }`. */
export const DomainGetMetadata = remote<{ dom: DomainRef; type: number; uri: string | null; flags: number }, string>(
  "DOMAIN_GET_METADATA",
  (w, a) => {
    writeNonnullDomain(w, a.dom);
    w.writeI32(a.type);
    writeRemoteString(w, a.uri);
    w.writeU32(a.flags);
  },
  readNonnullString,
);
/** REMOTE_PROC_DOMAIN_DESTROY: `{ dom; }` → void. */
export const DomainDestroy = remote<DomArgs, void>("DOMAIN_DESTROY", writeDom, voidRet);
/** REMOTE_PROC_DOMAIN_DESTROY_FLAGS: `{ dom; unsigned int flags; }` → void. */
export const DomainDestroyFlags = remote<DomFlagsArgs, void>("DOMAIN_DESTROY_FLAGS", writeDomFlags, voidRet);
/** REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: `{ int eventID; remote_domain dom; }` → `{ int callbackID; }`. */
export const ConnectDomainEventCallbackRegisterAny = remote<{ eventId: number; dom: DomainRef | null }, number>(
  "CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY",
  (w, a) => {
    w.writeI32(a.eventId);
    writeRemoteDomain(w, a.dom);
  },
  readInt,
);
/** REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY: `{ int callbackID; }` → void. */
export const ConnectDomainEventCallbackDeregisterAny = remote<{ callbackId: number }, void>(
  "CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY",
  (w, a) => void w.writeI32(a.callbackId),
  voidRet,
);
