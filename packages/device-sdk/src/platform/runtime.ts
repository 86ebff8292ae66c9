// Runtime primitives of the client core without Node built-ins: ids and randomness from Web Crypto
// (globalThis.crypto: Node >= 19, browsers, web views, React Native with a getRandomValues polyfill)
// and a macrotask scheduler (setImmediate where it exists: Node, React Native; MessageChannel in
// browsers and workers; setTimeout as the last resort).

interface WebCrypto {
  randomUUID?: () => string;
  getRandomValues?: <T extends ArrayBufferView>(a: T) => T;
}

const webCrypto = (): WebCrypto | undefined => (globalThis as { crypto?: WebCrypto }).crypto;

/** Fills `a` with random bytes: Web Crypto when present, else Math.random (ids only need uniqueness). */
export function randomBytes(n: number): Uint8Array {
  const a = new Uint8Array(n);
  const c = webCrypto();
  if (typeof c?.getRandomValues === 'function') return c.getRandomValues(a);
  for (let i = 0; i < n; i++) a[i] = Math.floor(Math.random() * 256);
  return a;
}

/** An RFC 4122 version 4 UUID. */
export function randomUUID(): string {
  const c = webCrypto();
  if (typeof c?.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch {
      // insecure browser context: fall through to getRandomValues
    }
  }
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Runs fn in a later macrotask (after pending I/O callbacks), like Node's setImmediate. */
export const runSoon: (fn: () => void) => void = (() => {
  const si = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  if (typeof si === 'function') return (fn: () => void) => void si(fn);
  type Channel = { port1: { onmessage: (() => void) | null }; port2: { postMessage(m: unknown): void } };
  const MC = (globalThis as unknown as { MessageChannel?: new () => Channel }).MessageChannel;
  if (typeof MC === 'function') {
    const queue: Array<() => void> = [];
    const ch = new MC();
    ch.port1.onmessage = () => {
      const fn = queue.shift();
      if (fn) fn();
    };
    return (fn: () => void) => {
      queue.push(fn);
      ch.port2.postMessage(0);
    };
  }
  return (fn: () => void) => void setTimeout(fn, 0);
})();

export type Timer = ReturnType<typeof setTimeout>;
