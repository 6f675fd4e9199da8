/**
 * Power state of a {@link FakeDomain}: DOMAIN_SHUTDOWN_FLAGS asks the guest to power off;
 * a guest that obeys does so a moment after the client has registered for lifecycle events,
 * and libvirt then sends SHUTDOWN (finished) and STOPPED (shutdown) to every lifecycle
 * callback (REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE, proc 318). DOMAIN_CREATE boots the
 * definition again under a new domain id.
 */
import { EVENT_ID_LIFECYCLE, EVENT_SHUTDOWN, EVENT_STOPPED } from "../../../../provider/libvirt/constants";
import { REMOTE_PROGRAM, RemoteProcedure } from "../../../../provider/libvirt/protocol/constants";
import * as R from "../../../../provider/libvirt/protocol/remote-procedures";
import type { DomainRef } from "../../../../provider/libvirt/protocol/types";
import { fail, ok, type FakeConnection, type FakeReply } from "../../../fakes/libvirtd";
import { definitionCpus } from "./domain-xml-view";
import type { FakeDomain } from "./fake-domain";
import * as W from "./wire";

/** VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED: the guest finished shutting down. */
const SHUTDOWN_FINISHED = 0;
/** VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN: normal shutdown. */
const STOPPED_SHUTDOWN = 0;
/** How long the guest takes to power off once asked (a short timer, not a sleep in a test). */
const POWER_OFF_MS = 5;

interface Callback {
  readonly eventId: number;
  readonly dom: DomainRef | null;
  readonly conn: FakeConnection;
}

/** Shutdown, lifecycle events and start of a {@link FakeDomain}. */
export class FakeLifecycle {
  /** Registered event callbacks by id. */
  readonly callbacks = new Map<number, Callback>();
  private nextCallback = 1;
  private nextId: number;
  private shutdownRequested = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly d: FakeDomain, private readonly mode: "graceful" | "ignored") {
    this.nextId = d.id + 1;
  }

  /** Scripts SHUTDOWN_FLAGS, CREATE and the event callback procedures. */
  install(): void {
    this.d
      .on(R.DomainShutdownFlags, W.readDomFlags, () => this.shutdown())
      .on(R.DomainCreate, W.readDom, () => this.create())
      .on(R.ConnectDomainEventCallbackRegisterAny, W.readRegisterAny, (a, conn) => this.register(a.eventId, a.dom, conn))
      .on(R.ConnectDomainEventCallbackDeregisterAny, W.readCallbackId, (a) => {
        this.callbacks.delete(a.callbackId);
        return ok();
      });
  }

  /** Cancels a pending power-off. */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private shutdown(): FakeReply {
    if (!this.d.running) return fail(W.LIBVIRT_ERRORS.notRunning);
    this.shutdownRequested = this.mode === "graceful";
    this.powerOffWhenWatched();
    return ok();
  }

  private register(eventId: number, dom: DomainRef | null, conn: FakeConnection): FakeReply {
    const id = this.nextCallback++;
    this.callbacks.set(id, { eventId, dom, conn });
    this.powerOffWhenWatched();
    return W.intRet(id);
  }

  private powerOffWhenWatched(): void {
    const watched = [...this.callbacks.values()].some((c) => c.eventId === EVENT_ID_LIFECYCLE);
    if (!this.shutdownRequested || !watched) return;
    this.shutdownRequested = false;
    this.timer = setTimeout(() => this.powerOff(), POWER_OFF_MS);
  }

  private powerOff(): void {
    const dom = this.d.dom;
    this.d.running = false;
    this.d.qemuPlugged.clear();
    for (const [id, c] of this.callbacks) {
      if (c.eventId !== EVENT_ID_LIFECYCLE || (c.dom && c.dom.uuid !== dom.uuid) || c.conn.closed) continue;
      c.conn.event(REMOTE_PROGRAM, RemoteProcedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE, W.lifecycleMessage(id, dom, EVENT_SHUTDOWN, SHUTDOWN_FINISHED));
      c.conn.event(REMOTE_PROGRAM, RemoteProcedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE, W.lifecycleMessage(id, dom, EVENT_STOPPED, STOPPED_SHUTDOWN));
    }
  }

  private create(): FakeReply {
    if (this.d.running) return fail(W.LIBVIRT_ERRORS.alreadyRunning);
    const { current } = definitionCpus(this.d.definition);
    const ids = Array.from({ length: current }, (_, i) => i);
    this.d.id = this.nextId++;
    this.d.running = true;
    this.d.metadata.live.clear(); // the new live definition comes from the persistent one
    this.d.plug(ids, ids);
    this.d.guest.boot();
    return ok();
  }
}
