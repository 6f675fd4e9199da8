/**
 * The cross-process operation lease of a libvirt domain: one element in the domain's live
 * `<metadata>`, in our namespace, written with VIR_DOMAIN_AFFECT_LIVE only (nothing reaches
 * the persistent definition; a restart drops it):
 *
 *   <vmcpu:lease xmlns:vmcpu="https://pulumi-qemu-vcpu.dev/lease/1"
 *     owner="HOST:PID:RANDOM" operation="update" resource="VmCpu web01" expires="2025-01-01T00:00:00.000Z"/>
 *
 * libvirt has no compare-and-set for metadata, so taking it is read → judge → set → read back:
 * whoever reads back someone else's owner lost the race and backs off. The window left is
 * between two processes' read-back and set (milliseconds); see NOTES-lease.md.
 */
import { AFFECT_LIVE, METADATA_ELEMENT, isNoDomainMetadata, isOperationInvalid, type DomainRef, type LibvirtClient } from "../../libvirt";
import { LOCAL_LEASE, type Lease, type Logger } from "../../apply";
import { ProviderError, VmBusyError, describeCause, type LeaseHolder } from "../../errors";
import { attr, parseXml } from "./xml";

/** The namespace of the lease element (its version is part of it). */
export const LEASE_URI = "https://pulumi-qemu-vcpu.dev/lease/1";
/** The namespace prefix libvirt writes the element with. */
export const LEASE_KEY = "vmcpu";

const iso = (ms: number) => (Number.isNaN(ms) ? "an unreadable time" : new Date(ms).toISOString());
const label = (h: LeaseHolder) => h.resource ?? "VmCpu";
const removeHint = (dom: DomainRef) => `\`virsh metadata ${dom.name} --uri ${LEASE_URI} --remove --live\``;

/** What the domain's metadata says about the lease. */
export type LeaseState =
  | { readonly kind: "free" }
  | { readonly kind: "held"; readonly holder: LeaseHolder }
  /** The domain is not running: there is no live metadata to keep a lease in. */
  | { readonly kind: "not-running" };

const escapeAttr = (v: string) => v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The lease element for `h` (libvirt adds the namespace and prefix). */
export function leaseXml(h: LeaseHolder): string {
  const attrs = { owner: h.owner, operation: h.operation, resource: h.resource, expires: new Date(h.expires).toISOString() };
  const text = Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}="${escapeAttr(v!)}"`);
  return `<lease ${text.join(" ")}/>`;
}

/** Reads a lease element; one that can't be read (not ours, no owner) is held by "unknown" and already expired. */
export function parseLease(xml: string): LeaseHolder {
  try {
    const el = parseXml(xml);
    const owner = attr(el, "owner");
    if (el.localName === "lease" && owner) {
      return { owner, operation: attr(el, "operation") ?? "?", resource: attr(el, "resource"), expires: Date.parse(attr(el, "expires") ?? "") };
    }
  } catch {
    // unreadable: fall through
  }
  return { owner: "unknown", operation: "?", resource: undefined, expires: Number.NaN };
}

/** GET_METADATA(ELEMENT, LEASE_URI, LIVE): free on VIR_ERR_NO_DOMAIN_METADATA, not-running on VIR_ERR_OPERATION_INVALID. */
export async function readLease(client: LibvirtClient, dom: DomainRef): Promise<LeaseState> {
  try {
    return { kind: "held", holder: parseLease(await client.domainGetMetadata(dom, METADATA_ELEMENT, LEASE_URI, AFFECT_LIVE)) };
  } catch (err) {
    if (isNoDomainMetadata(err)) return { kind: "free" };
    if (isOperationInvalid(err)) return { kind: "not-running" };
    throw err;
  }
}

/** `owner` split into host and pid (`HOST:PID:RANDOM`; a host name has no colon). */
function hostPid(owner: string): string {
  const parts = owner.split(":");
  return parts.length >= 3 ? `host ${parts.slice(0, -2).join(":")}, pid ${parts[parts.length - 2]}` : `owner ${owner}`;
}

/** The VM_BUSY error for a lease another owner holds: who, until when, and what to do. */
export function busyError(me: LeaseHolder, dom: DomainRef, other: LeaseHolder): VmBusyError {
  const by = `${other.resource ?? "an operation"} (${other.operation}) of ${other.owner}`;
  const until = Number.isNaN(other.expires) ? "" : ` until ${iso(other.expires)}`;
  return new VmBusyError(
    `${label(me)}: nothing was changed: libvirt domain "${dom.name}" is busy: ${by} holds its lease${until}. ` +
      `Wait for that operation to finish and retry; if that process is gone (${hostPid(other.owner)}), remove the stale lease with ` +
      `${removeHint(dom)} (with -c for the same libvirt URI).`,
    other,
  );
}

/** A lease this process holds on a libvirt domain (see the module comment). */
class LibvirtLease implements Lease {
  readonly crossProcess = true;
  private me: LeaseHolder;

  constructor(
    private readonly client: LibvirtClient,
    /** The domain as the hypervisor knows it now (its id changes on a restart). */
    private readonly dom: () => DomainRef,
    me: LeaseHolder,
    private readonly log: Logger,
  ) {
    this.me = me;
  }

  /**
   * Sets the lease to `expires` unless another owner holds an unexpired one (or any, unless
   * `takeOver`), then reads it back; VM_BUSY naming the holder otherwise. False when the domain is not running.
   */
  async claim(expires: number, takeOver: boolean): Promise<boolean> {
    const before = await readLease(this.client, this.dom());
    if (before.kind === "not-running") return false;
    const other = before.kind === "held" && before.holder.owner !== this.me.owner ? before.holder : undefined;
    if (other && (!takeOver || other.expires > Date.now())) throw busyError(this.me, this.dom(), other);
    if (other) this.log(`${label(this.me)}: taking over the expired lease of ${other.resource ?? "an operation"} (${other.operation}) of ${other.owner}, which ran out at ${iso(other.expires)}`);
    this.me = { ...this.me, expires };
    await this.client.domainSetMetadata(this.dom(), METADATA_ELEMENT, leaseXml(this.me), LEASE_KEY, LEASE_URI, AFFECT_LIVE);
    const after = await readLease(this.client, this.dom());
    if (after.kind === "held" && after.holder.owner === this.me.owner) return true;
    const winner = after.kind === "held" ? after.holder : { owner: "unknown (the lease vanished after it was set)", operation: "?", resource: undefined, expires: Number.NaN };
    throw busyError(this.me, this.dom(), winner);
  }

  async renew(expires: number): Promise<void> {
    await this.claim(expires, false);
  }

  async release(): Promise<void> {
    try {
      const now = await readLease(this.client, this.dom());
      if (now.kind !== "held") return; // gone already (e.g. a restart dropped the live metadata)
      if (now.holder.owner !== this.me.owner) return this.log(`${label(this.me)}: the lease is ${now.holder.owner}'s now; left as it is`);
      await this.client.domainSetMetadata(this.dom(), METADATA_ELEMENT, null, null, LEASE_URI, AFFECT_LIVE);
    } catch (err) {
      this.log(`${label(this.me)}: warning: could not remove the lease from libvirt domain "${this.dom().name}" (${describeCause(err)}); it runs out at ${iso(this.me.expires)}, or remove it with ${removeHint(this.dom())}`);
    }
  }
}

/**
 * Takes the lease of the domain for `me` before an operation changes it: VM_BUSY when another
 * owner holds an unexpired lease (nothing is changed), an expired one is taken over (logged). A
 * domain that is not running has no live metadata: only this process's lock holds it then.
 */
export async function takeLease(client: LibvirtClient, dom: () => DomainRef, me: LeaseHolder, log: Logger): Promise<Lease> {
  const lease = new LibvirtLease(client, dom, me, log);
  try {
    if (await lease.claim(me.expires, true)) return lease;
    log(`${label(me)}: libvirt domain "${dom().name}" is not running: no live metadata to keep a lease in; only this process's lock holds it`);
    return LOCAL_LEASE;
  } catch (err) {
    if (err instanceof VmBusyError) throw err;
    throw new ProviderError("PRECONDITION_FAILED", `${label(me)}: nothing was changed: could not take the lease in libvirt domain "${dom().name}"'s metadata: ${describeCause(err)}`, { cause: err });
  }
}
