/**
 * QMP event delivery without a socket: an {@link EventHub} that every {@link Monitor} implementation feeds, plus
 * predicate builders for the events vCPU hotplug cares about (qapi/qdev.json DEVICE_DELETED,
 * DEVICE_UNPLUG_GUEST_ERROR; qapi/acpi.json ACPI_DEVICE_OST).
 *
 * Waiting without races: take a {@link EventMark} with `mark()` *before* sending the command, then
 * `waitForEvent(pred, timeoutMs, mark)` also sees events that arrived between the command and the wait.
 */
import type { QmpEvent } from "./messages";

/** A position in a monitor's event sequence (events received at or after it are "after the mark"). */
export type EventMark = number;
/** A test on one event. */
export type EventPredicate = (event: QmpEvent) => boolean;
/** Receives every event, in arrival order. */
export type EventListener = (event: QmpEvent) => void;

/** Default number of past events kept for `waitForEvent(…, since)`. */
export const DEFAULT_EVENT_HISTORY = 256;

interface Waiter {
  predicate: EventPredicate;
  resolve: (event: QmpEvent | undefined) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Sequenced event fan-out with a bounded history, listeners and one-shot waiters. */
export class EventHub {
  private readonly history: { seq: number; event: QmpEvent }[] = [];
  private readonly listeners = new Set<EventListener>();
  private readonly waiters = new Set<Waiter>();
  private next = 0;
  private closed = false;

  constructor(private readonly historyLimit = DEFAULT_EVENT_HISTORY) {}

  /** The mark of the next event to arrive. */
  mark(): EventMark {
    return this.next;
  }

  /** Records `event`, resolves matching waiters, then calls listeners (a throwing listener is ignored so it cannot
   * break the reader). Ignored after {@link close}. */
  push(event: QmpEvent): void {
    if (this.closed) return;
    this.history.push({ seq: this.next++, event });
    if (this.history.length > this.historyLimit) this.history.shift();
    for (const w of [...this.waiters]) if (w.predicate(event)) this.settle(w, event);
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        /* a listener's bug must not stop event delivery to the others or the reply reader */
      }
    }
  }

  /** Adds a listener; returns its unsubscribe function. */
  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first event matching `predicate` that arrives at or after `since` (default: now), or
   * `undefined` after `timeoutMs` or when the hub closes. Past events still in the history count. */
  wait(predicate: EventPredicate, timeoutMs: number, since: EventMark = this.next): Promise<QmpEvent | undefined> {
    const past = this.history.find((h) => h.seq >= since && predicate(h.event));
    if (past) return Promise.resolve(past.event);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const w: Waiter = { predicate, resolve, timer: setTimeout(() => this.settle(w, undefined), timeoutMs) };
      this.waiters.add(w);
    });
  }

  /** Events recorded at or after `since` that are still in the history. */
  since(since: EventMark): QmpEvent[] {
    return this.history.filter((h) => h.seq >= since).map((h) => h.event);
  }

  /** Resolves every waiter with `undefined`, drops listeners, and ignores later pushes. Idempotent. */
  close(): void {
    this.closed = true;
    for (const w of [...this.waiters]) this.settle(w, undefined);
    this.listeners.clear();
  }

  private settle(w: Waiter, event: QmpEvent | undefined): void {
    clearTimeout(w.timer);
    this.waiters.delete(w);
    w.resolve(event);
  }
}

// ------------------------------------------------------------------------------------------------ predicates

/** Names of the events this provider waits for (verbatim QAPI event names). */
export const QMP_EVENTS = {
  /** qapi/qdev.json: the device is gone (emitted when the object is finalized). */
  DEVICE_DELETED: "DEVICE_DELETED",
  /** qapi/qdev.json (6.2+): the guest reported that it could not eject the device. */
  DEVICE_UNPLUG_GUEST_ERROR: "DEVICE_UNPLUG_GUEST_ERROR",
  /** qapi/acpi.json: the guest's _OST status for an ACPI hotplug slot. */
  ACPI_DEVICE_OST: "ACPI_DEVICE_OST",
} as const;

/** Identifies a device by its `id` (the `device` member), its QOM path, or both (either may match). */
export interface DeviceRef {
  id?: string;
  path?: string;
}

function matchesDevice(data: Record<string, unknown>, ref: DeviceRef): boolean {
  return (ref.id !== undefined && data.device === ref.id) || (ref.path !== undefined && data.path === ref.path);
}

/** DEVICE_DELETED for `ref`. Under TCG (QEMU 7.2 and 10.0) this never fires for a vCPU; see {@link cpuLapicDeleted}. */
export function deviceDeleted(ref: DeviceRef): EventPredicate {
  return (e) => e.event === QMP_EVENTS.DEVICE_DELETED && matchesDevice(e.data, ref);
}

/** DEVICE_DELETED for the vCPU's `<qomPath>/lapic` child: under TCG it is the only DEVICE_DELETED a vCPU unplug
 * produces, and it arrives once the guest finished the ACPI eject (the vCPU is then gone from query-cpus-fast). */
export function cpuLapicDeleted(cpuQomPath: string): EventPredicate {
  const lapic = `${cpuQomPath}/lapic`;
  return (e) => e.event === QMP_EVENTS.DEVICE_DELETED && e.data.path === lapic;
}

/** DEVICE_UNPLUG_GUEST_ERROR for `ref`. */
export function unplugGuestError(ref: DeviceRef): EventPredicate {
  return (e) => e.event === QMP_EVENTS.DEVICE_UNPLUG_GUEST_ERROR && matchesDevice(e.data, ref);
}

/** ACPI_DEVICE_OST whose `info` has the given members (e.g. `{ "slot-type": "CPU", source: 3, status: 0 }`: eject
 * done). A matcher member left out matches anything. */
export function acpiDeviceOst(match: { device?: string; slot?: string; "slot-type"?: string; source?: number; status?: number }): EventPredicate {
  return (e) => {
    if (e.event !== QMP_EVENTS.ACPI_DEVICE_OST) return false;
    const info = e.data.info as Record<string, unknown> | undefined;
    if (typeof info !== "object" || info === null) return false;
    return Object.entries(match).every(([k, v]) => v === undefined || info[k] === v);
  };
}

/** True if any of `predicates` matches. */
export function anyOf(...predicates: EventPredicate[]): EventPredicate {
  return (e) => predicates.some((p) => p(e));
}
