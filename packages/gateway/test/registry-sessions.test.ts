// RegistrySessions with a stand-in registry: what is closed, what stays, and what happens when the registry
// can't answer.
import { EventEmitter } from 'node:events';
import type { Client } from 'aedes';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RegistrySessions } from '../src/adapters/broker/registry-sessions.js';
import type { Principal } from '../src/core/acl.js';
import type { CredentialRegistry } from '../src/core/authenticate.js';

function fakeClient(id: string): Client & { conn: EventEmitter; closes: number } {
  const c = {
    id,
    closed: false,
    closes: 0,
    conn: new EventEmitter(),
    close() {
      c.closed = true;
      c.closes++;
      c.conn.emit('close');
    },
  };
  return c as unknown as Client & { conn: EventEmitter; closes: number };
}
const dev = (deviceId: string): Principal => ({ kind: 'device', tenant: 't', deviceId });

describe('RegistrySessions', () => {
  it('closes only the sessions the registry no longer vouches for, and forgets closed connections', async () => {
    const disabled = new Set(['d2']);
    const registry: CredentialRegistry = {
      verify: async () => null,
      stillValid: async (ps) => ps.map((p) => !(p.kind === 'device' && disabled.has(p.deviceId))),
    };
    const revoked: string[] = [];
    const s = new RegistrySessions(registry, 60_000, (c) => revoked.push(c.id), pino({ level: 'silent' }));
    const [a, b, c] = [fakeClient('d1'), fakeClient('d2'), fakeClient('d3')];
    s.track(a, dev('d1'));
    s.track(b, dev('d2'));
    s.track(c, dev('d3'));
    c.conn.emit('close'); // d3 disconnects by itself
    expect(s.size).toBe(2);
    expect(await s.sweep()).toBe(1);
    expect(revoked).toEqual(['d2']);
    expect([a.closes, b.closes]).toEqual([0, 1]);
    expect(s.size).toBe(1);
    s.close();
  });

  it('keeps every session open while the registry cannot answer, and closes them once it can', async () => {
    let down = true;
    const registry: CredentialRegistry = {
      verify: async () => null,
      stillValid: async (ps) => {
        if (down) throw new Error('connect ECONNREFUSED');
        return ps.map(() => false);
      },
    };
    const s = new RegistrySessions(registry, 60_000, () => undefined, pino({ level: 'silent' }));
    const a = fakeClient('d1');
    s.track(a, dev('d1'));
    expect(await s.sweep()).toBe(0);
    expect(a.closes).toBe(0);
    down = false;
    expect(await s.sweep()).toBe(1);
    expect(a.closes).toBe(1);
    s.close();
  });

  it('tracks nothing when re-checks are off or the registry cannot re-check', async () => {
    const off = new RegistrySessions({ verify: async () => null, stillValid: async () => [false] }, 0, () => undefined, pino({ level: 'silent' }));
    off.track(fakeClient('d1'), dev('d1'));
    expect(off.size).toBe(0);
    const plain = new RegistrySessions({ verify: async () => null }, 1000, () => undefined, pino({ level: 'silent' }));
    plain.track(fakeClient('d1'), dev('d1'));
    expect(plain.size).toBe(0);
  });
});
