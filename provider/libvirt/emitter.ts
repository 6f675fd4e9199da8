/**
 * A minimal typed event registry (no EventEmitter "error" semantics: nothing throws when
 * no one listens). A throwing listener does not disturb the others; its exception is
 * rethrown asynchronously, like an uncaught error.
 */

/** A map of event name → listener signature. */
export type ListenerMap<M> = { [K in keyof M]: (...args: never[]) => void };

/** Typed on/off/emit over a {@link ListenerMap}. */
export class TypedEmitter<M extends ListenerMap<M>> {
  private readonly listeners = new Map<keyof M, Set<M[keyof M]>>();

  /** @param onListenerError receives listener exceptions (default: rethrown asynchronously). */
  constructor(private readonly onListenerError: (err: unknown) => void = rethrowAsync) {}

  /** Adds `listener` for `event`. */
  on<K extends keyof M>(event: K, listener: M[K]): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
  }

  /** Removes `listener` for `event`. */
  off<K extends keyof M>(event: K, listener: M[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Number of listeners for `event`. */
  listenerCount<K extends keyof M>(event: K): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Calls every listener of `event` with `args`. */
  emit<K extends keyof M>(event: K, ...args: Parameters<M[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as (...a: Parameters<M[K]>) => void)(...args);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}

/** Rethrows outside the caller's stack, like an uncaught error. */
export function rethrowAsync(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}
