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

// --- virDomainModificationImpact ------------------------------------------------------
/** VIR_DOMAIN_AFFECT_LIVE: the running domain. */
export const AFFECT_LIVE = 1;

// --- virDomainMetadataType (DOMAIN_SET_METADATA / DOMAIN_GET_METADATA `type`) ---------
/** VIR_DOMAIN_METADATA_ELEMENT: one element of `<metadata>` in a namespace (`uri`, prefix `key`). */
export const METADATA_ELEMENT = 2;

// --- virDomainVcpuFlags ---------------------------------------------------------------
/** VIR_DOMAIN_VCPU_LIVE: same as VIR_DOMAIN_AFFECT_LIVE. */
export const VCPU_LIVE = 1;
/** VIR_DOMAIN_VCPU_CONFIG: same as VIR_DOMAIN_AFFECT_CONFIG. */
export const VCPU_CONFIG = 2;
/** VIR_DOMAIN_VCPU_MAXIMUM: read/set the maximum rather than the current count. */
export const VCPU_MAXIMUM = 4;
/** VIR_DOMAIN_VCPU_GUEST: count/set vCPUs online inside the guest (needs the agent). */
export const VCPU_GUEST = 8;

// --- virDomainXMLFlags (DOMAIN_GET_XML_DESC flags) ------------------------------------
/** VIR_DOMAIN_XML_SECURE: include security-sensitive data. */
export const XML_SECURE = 1;
/** VIR_DOMAIN_XML_INACTIVE: the persistent (next-boot) definition. */
export const XML_INACTIVE = 2;

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

// --- virDomainEventID (CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY eventID) ------------
/** VIR_DOMAIN_EVENT_ID_LIFECYCLE → REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE (318). */
export const EVENT_ID_LIFECYCLE = 0;

// --- virDomainEventType (lifecycle `event`) and a few details ------------------------
/** VIR_DOMAIN_EVENT_UNDEFINED. */
export const EVENT_UNDEFINED = 1;
/** VIR_DOMAIN_EVENT_STARTED. */
export const EVENT_STARTED = 2;
/** VIR_DOMAIN_EVENT_STOPPED. */
export const EVENT_STOPPED = 5;
/** VIR_DOMAIN_EVENT_SHUTDOWN. */
export const EVENT_SHUTDOWN = 6;
/** VIR_DOMAIN_EVENT_STOPPED_DESTROYED: detail of EVENT_STOPPED after DOMAIN_DESTROY. */
export const EVENT_STOPPED_DESTROYED = 1;

// --- define / undefine / create / shutdown / destroy flags ---------------------------
/** VIR_DOMAIN_DEFINE_VALIDATE: validate XML against the schema. */
export const DEFINE_VALIDATE = 1;
/** VIR_DOMAIN_START_PAUSED. */
export const START_PAUSED = 1;
/** VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN. */
export const SHUTDOWN_ACPI_POWER_BTN = 1;

// --- virDrvFeature (CONNECT_SUPPORTS_FEATURE), src/driver.h ---------------------------
/** VIR_DRV_FEATURE_PROGRAM_KEEPALIVE: server PINGs once the client asks for this. */
export const DRV_FEATURE_PROGRAM_KEEPALIVE = 10;

// --- virErrorNumber (virterror.h) -----------------------------------------------------
/** VIR_ERR_NO_SUPPORT: no support for this function. */
export const ERR_NO_SUPPORT = 3;
/** VIR_ERR_INVALID_ARG. */
export const ERR_INVALID_ARG = 8;
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
/** VIR_ERR_NO_DOMAIN_METADATA: the requested metadata (e.g. an element in a namespace) is not present. */
export const ERR_NO_DOMAIN_METADATA = 80;
/** VIR_ERR_OPERATION_UNSUPPORTED: the requested operation is not supported. */
export const ERR_OPERATION_UNSUPPORTED = 84;
/** VIR_ERR_AGENT_UNRESPONSIVE: "QEMU guest agent is not connected". */
export const ERR_AGENT_UNRESPONSIVE = 86;

/** VIR_ERR_OPERATION_DENIED: e.g. a write on a read-only connection ("read only access prevents …"). */
export const ERR_OPERATION_DENIED = 29;
