// A small typed event emitter with the subset of Node's EventEmitter API that SDK users call
// (on/once/off/addListener/removeListener/removeAllListeners/listenerCount/emit), so the client core
// runs without node:events in browsers, web views and React Native. A throwing listener is isolated:
// it never breaks the emitter's caller (background work of the SDK); it is rethrown asynchronously.

type Listener<A extends unknown[]> = (...args: A) => void;

export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  private readonly listeners = new Map<keyof E, Array<{ fn: Listener<never[]>; once: boolean }>>();

  on<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    return this.add(event, fn, false);
  }

  addListener<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    return this.add(event, fn, false);
  }

  once<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    return this.add(event, fn, true);
  }

  off<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    const l = this.listeners.get(event);
    if (!l) return this;
    const i = l.findIndex((x) => x.fn === (fn as unknown));
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this.listeners.delete(event);
    return this;
  }

  removeListener<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    return this.off(event, fn);
  }

  removeAllListeners(event?: keyof E): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    return this;
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Calls the listeners in order; returns whether there were any. */
  emit<K extends keyof E>(event: K, ...args: E[K]): boolean {
    const l = this.listeners.get(event);
    if (!l || l.length === 0) return false;
    for (const x of [...l]) {
      if (x.once) this.off(event, x.fn as unknown as Listener<E[K]>);
      try {
        (x.fn as unknown as Listener<E[K]>)(...args);
      } catch (e) {
        // Like an uncaught exception in a callback: visible to the host's error reporting, not to our caller.
        setTimeout(() => {
          throw e;
        }, 0);
      }
    }
    return true;
  }

  private add<K extends keyof E>(event: K, fn: Listener<E[K]>, once: boolean): this {
    if (typeof fn !== 'function') throw new TypeError(`listener for ${String(event)} must be a function`);
    let l = this.listeners.get(event);
    if (!l) this.listeners.set(event, (l = []));
    l.push({ fn: fn as unknown as Listener<never[]>, once });
    return this;
  }
}
