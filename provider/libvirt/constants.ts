/**
 * Public libvirt flag and enum values used by the vCPU-hotplug client.
 *
 * Naming rule (mechanical, so you can grep both ways): each constant is its libvirt C
 * name with the `VIR_DOMAIN_` prefix removed (or `VIR_` for non-domain enums), e.g.
 * `VIR_DOMAIN_VCPU_LIVE` → `VCPU_LIVE`, `VIR_ERR_NO_DOMAIN` → `ERR_NO_DOMAIN`.
 * Values are from libvirt 9.0.0's `include/libvirt/*.h`; the enums are append-only ABI.
 */

// --- virConnectFlags (libvirt-host.h) -------------------------------------------------
/** VIR_CONNECT_RO: open read-only (CONNECT_OPEN flags). */
export const CONNECT_RO = 1;

// --- virConnectListAllDomainsFlags (libvirt-domain.h) ---------------------------------
/** VIR_CONNECT_LIST_DOMAINS_ACTIVE: running or paused domains. */
export const CONNECT_LIST_DOMAINS_ACTIVE = 1;
/** VIR_CONNECT_LIST_DOMAINS_INACTIVE: shut-off persistent domains. */
export const CONNECT_LIST_DOMAINS_INACTIVE = 2;
/** VIR_CONNECT_LIST_DOMAINS_PERSISTENT: domains with a persistent config. */
export const CONNECT_LIST_DOMAINS_PERSISTENT = 4;
/** VIR_CONNECT_LIST_DOMAINS_TRANSIENT: domains without a persistent config. */
export const CONNECT_LIST_DOMAINS_TRANSIENT = 8;
/** VIR_CONNECT_LIST_DOMAINS_RUNNING: domains in the RUNNING state. */
export const CONNECT_LIST_DOMAINS_RUNNING = 16;
/** VIR_CONNECT_LIST_DOMAINS_PAUSED: domains in the PAUSED state. */
export const CONNECT_LIST_DOMAINS_PAUSED = 32;
/** VIR_CONNECT_LIST_DOMAINS_SHUTOFF: domains in the SHUTOFF state. */
export const CONNECT_LIST_DOMAINS_SHUTOFF = 64;

// --- virDomainModificationImpact ------------------------------------------------------
/** VIR_DOMAIN_AFFECT_CURRENT: live if running, else config. */
export const AFFECT_CURRENT = 0;
/** VIR_DOMAIN_AFFECT_LIVE: the running domain. */
export const AFFECT_LIVE = 1;
/** VIR_DOMAIN_AFFECT_CONFIG: the persistent config. */
export const AFFECT_CONFIG = 2;

// --- virDomainVcpuFlags ---------------------------------------------------------------
/** VIR_DOMAIN_VCPU_CURRENT: same as AFFECT_CURRENT. */
export const VCPU_CURRENT = 0;
/** VIR_DOMAIN_VCPU_LIVE: same as AFFECT_LIVE. */
export const VCPU_LIVE = 1;
/** VIR_DOMAIN_VCPU_CONFIG: same as AFFECT_CONFIG. */
export const VCPU_CONFIG = 2;
/** VIR_DOMAIN_VCPU_MAXIMUM: read/set the maximum rather than the current count. */
export const VCPU_MAXIMUM = 4;
/** VIR_DOMAIN_VCPU_GUEST: count/set vCPUs online inside the guest (needs the agent). */
export const VCPU_GUEST = 8;
/** VIR_DOMAIN_VCPU_HOTPLUGGABLE: make added vCPUs hot-(un)pluggable (with CONFIG). */
export const VCPU_HOTPLUGGABLE = 16;

// --- virDomainXMLFlags (DOMAIN_GET_XML_DESC flags) ------------------------------------
/** VIR_DOMAIN_XML_SECURE: include security-sensitive data. */
export const XML_SECURE = 1;
/** VIR_DOMAIN_XML_INACTIVE: the persistent (next-boot) definition. */
export const XML_INACTIVE = 2;
/** VIR_DOMAIN_XML_UPDATE_CPU: update guest CPU from host CPU. */
export const XML_UPDATE_CPU = 4;
/** VIR_DOMAIN_XML_MIGRATABLE: XML suitable for migration. */
export const XML_MIGRATABLE = 8;

// --- virDomainState -------------------------------------------------------------------
/** VIR_DOMAIN_NOSTATE. */
export const NOSTATE = 0;
/** VIR_DOMAIN_RUNNING. */
export const RUNNING = 1;
/** VIR_DOMAIN_BLOCKED. */
export const BLOCKED = 2;
/** VIR_DOMAIN_PAUSED. */
export const PAUSED = 3;
/** VIR_DOMAIN_SHUTDOWN: being shut down. */
export const SHUTDOWN = 4;
/** VIR_DOMAIN_SHUTOFF. */
export const SHUTOFF = 5;
/** VIR_DOMAIN_CRASHED. */
export const CRASHED = 6;
/** VIR_DOMAIN_PMSUSPENDED. */
export const PMSUSPENDED = 7;
/** VIR_DOMAIN_RUNNING_BOOTED: virDomainRunningReason for a normal boot. */
export const RUNNING_BOOTED = 1;

// --- virDomainEventID (CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY eventID) ------------
/** VIR_DOMAIN_EVENT_ID_LIFECYCLE → REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE (318). */
export const EVENT_ID_LIFECYCLE = 0;
/** VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED → ..._CALLBACK_DEVICE_REMOVED (333). */
export const EVENT_ID_DEVICE_REMOVED = 15;
/** VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE → ..._CALLBACK_AGENT_LIFECYCLE (348). */
export const EVENT_ID_AGENT_LIFECYCLE = 18;
/** VIR_DOMAIN_EVENT_ID_DEVICE_ADDED → ..._CALLBACK_DEVICE_ADDED (354). */
export const EVENT_ID_DEVICE_ADDED = 19;
/** VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED → ..._CALLBACK_DEVICE_REMOVAL_FAILED (367). */
export const EVENT_ID_DEVICE_REMOVAL_FAILED = 22;

// --- virDomainEventType (lifecycle `event`) and a few details ------------------------
/** VIR_DOMAIN_EVENT_DEFINED. */
export const EVENT_DEFINED = 0;
/** VIR_DOMAIN_EVENT_UNDEFINED. */
export const EVENT_UNDEFINED = 1;
/** VIR_DOMAIN_EVENT_STARTED. */
export const EVENT_STARTED = 2;
/** VIR_DOMAIN_EVENT_SUSPENDED. */
export const EVENT_SUSPENDED = 3;
/** VIR_DOMAIN_EVENT_RESUMED. */
export const EVENT_RESUMED = 4;
/** VIR_DOMAIN_EVENT_STOPPED. */
export const EVENT_STOPPED = 5;
/** VIR_DOMAIN_EVENT_SHUTDOWN. */
export const EVENT_SHUTDOWN = 6;
/** VIR_DOMAIN_EVENT_PMSUSPENDED. */
export const EVENT_PMSUSPENDED = 7;
/** VIR_DOMAIN_EVENT_CRASHED. */
export const EVENT_CRASHED = 8;
/** VIR_DOMAIN_EVENT_STOPPED_DESTROYED: detail of EVENT_STOPPED after DOMAIN_DESTROY. */
export const EVENT_STOPPED_DESTROYED = 1;

// --- virConnectDomainEventAgentLifecycleState / Reason --------------------------------
/** VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED. */
export const AGENT_LIFECYCLE_STATE_CONNECTED = 1;
/** VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED. */
export const AGENT_LIFECYCLE_STATE_DISCONNECTED = 2;
/** VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_DOMAIN_STARTED. */
export const AGENT_LIFECYCLE_REASON_DOMAIN_STARTED = 1;
/** VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL. */
export const AGENT_LIFECYCLE_REASON_CHANNEL = 2;

// --- define / undefine / create / shutdown / destroy flags ---------------------------
/** VIR_DOMAIN_DEFINE_VALIDATE: validate XML against the schema. */
export const DEFINE_VALIDATE = 1;
/** VIR_DOMAIN_UNDEFINE_MANAGED_SAVE. */
export const UNDEFINE_MANAGED_SAVE = 1;
/** VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA. */
export const UNDEFINE_SNAPSHOTS_METADATA = 2;
/** VIR_DOMAIN_UNDEFINE_NVRAM. */
export const UNDEFINE_NVRAM = 4;
/** VIR_DOMAIN_UNDEFINE_KEEP_NVRAM. */
export const UNDEFINE_KEEP_NVRAM = 8;
/** VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA. */
export const UNDEFINE_CHECKPOINTS_METADATA = 16;
/** VIR_DOMAIN_UNDEFINE_TPM. */
export const UNDEFINE_TPM = 32;
/** VIR_DOMAIN_UNDEFINE_KEEP_TPM. */
export const UNDEFINE_KEEP_TPM = 64;
/** VIR_DOMAIN_NONE: no create flags. */
export const NONE = 0;
/** VIR_DOMAIN_START_PAUSED. */
export const START_PAUSED = 1;
/** VIR_DOMAIN_START_AUTODESTROY: destroy when this connection closes. */
export const START_AUTODESTROY = 2;
/** VIR_DOMAIN_START_BYPASS_CACHE. */
export const START_BYPASS_CACHE = 4;
/** VIR_DOMAIN_START_FORCE_BOOT. */
export const START_FORCE_BOOT = 8;
/** VIR_DOMAIN_START_VALIDATE. */
export const START_VALIDATE = 16;
/** VIR_DOMAIN_SHUTDOWN_DEFAULT: hypervisor's choice. */
export const SHUTDOWN_DEFAULT = 0;
/** VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN. */
export const SHUTDOWN_ACPI_POWER_BTN = 1;
/** VIR_DOMAIN_SHUTDOWN_GUEST_AGENT. */
export const SHUTDOWN_GUEST_AGENT = 2;
/** VIR_DOMAIN_DESTROY_DEFAULT. */
export const DESTROY_DEFAULT = 0;
/** VIR_DOMAIN_DESTROY_GRACEFUL: SIGTERM only, no SIGKILL. */
export const DESTROY_GRACEFUL = 1;

// --- QEMU program flags (libvirt-qemu.h) ----------------------------------------------
/** VIR_DOMAIN_QEMU_MONITOR_COMMAND_DEFAULT: `cmd` is QMP JSON. */
export const QEMU_MONITOR_COMMAND_DEFAULT = 0;
/** VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP: `cmd` is HMP text. */
export const QEMU_MONITOR_COMMAND_HMP = 1;
/** VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK: wait forever. */
export const QEMU_AGENT_COMMAND_BLOCK = -2;
/** VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT: libvirt's default agent timeout. */
export const QEMU_AGENT_COMMAND_DEFAULT = -1;
/** VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT: do not wait for a reply. */
export const QEMU_AGENT_COMMAND_NOWAIT = 0;
/** VIR_DOMAIN_QEMU_AGENT_COMMAND_SHUTDOWN: the shutdown timeout (60 s). */
export const QEMU_AGENT_COMMAND_SHUTDOWN = 60;
/** VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX: `event` is a regex. */
export const CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX = 1;
/** VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_NOCASE: case-insensitive match. */
export const CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_NOCASE = 2;

// --- virDrvFeature (CONNECT_SUPPORTS_FEATURE), src/driver.h ---------------------------
/** VIR_DRV_FEATURE_TYPED_PARAM_STRING. */
export const DRV_FEATURE_TYPED_PARAM_STRING = 9;
/** VIR_DRV_FEATURE_PROGRAM_KEEPALIVE: server PINGs once the client asks for this. */
export const DRV_FEATURE_PROGRAM_KEEPALIVE = 10;
/** VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK: the *_CALLBACK_* event procedures. */
export const DRV_FEATURE_REMOTE_EVENT_CALLBACK = 16;

// --- virErrorNumber (virterror.h) -----------------------------------------------------
/** VIR_ERR_INTERNAL_ERROR. */
export const ERR_INTERNAL_ERROR = 1;
/** VIR_ERR_NO_SUPPORT: no support for this function. */
export const ERR_NO_SUPPORT = 3;
/** VIR_ERR_INVALID_ARG. */
export const ERR_INVALID_ARG = 8;
/** VIR_ERR_OPERATION_FAILED. */
export const ERR_OPERATION_FAILED = 9;
/** VIR_ERR_RPC: RPC-level error ("unknown procedure", "authentication required"). */
export const ERR_RPC = 39;
/** VIR_ERR_NO_DOMAIN: domain not found. */
export const ERR_NO_DOMAIN = 42;
/** VIR_ERR_OPERATION_INVALID: e.g. domain is not running. */
export const ERR_OPERATION_INVALID = 55;
/** VIR_ERR_OPERATION_TIMEOUT: e.g. "vcpu unplug request timed out". */
export const ERR_OPERATION_TIMEOUT = 68;
/** VIR_ERR_ARGUMENT_UNSUPPORTED: e.g. "QEMU guest agent is not configured". */
export const ERR_ARGUMENT_UNSUPPORTED = 74;
/** VIR_ERR_OPERATION_UNSUPPORTED: the requested operation is not supported. */
export const ERR_OPERATION_UNSUPPORTED = 84;
/** VIR_ERR_AGENT_UNRESPONSIVE: "QEMU guest agent is not connected". */
export const ERR_AGENT_UNRESPONSIVE = 86;

// --- virErrorDomain (virterror.h) -----------------------------------------------------
/** VIR_FROM_RPC. */
export const FROM_RPC = 7;
/** VIR_FROM_QEMU. */
export const FROM_QEMU = 10;
/** VIR_FROM_DOMAIN. */
export const FROM_DOMAIN = 20;

// --- virErrorLevel --------------------------------------------------------------------
/** VIR_ERR_NONE. */
export const ERR_NONE = 0;
/** VIR_ERR_WARNING. */
export const ERR_WARNING = 1;
/** VIR_ERR_ERROR. */
export const ERR_ERROR = 2;
