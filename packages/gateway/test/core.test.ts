import { describe, expect, it } from 'vitest';
import { mintDeviceToken } from '@fleetwire/runtime';
import { canPublish, canSubscribe, type Principal } from '../src/core/acl.js';
import { Authenticator } from '../src/core/authenticate.js';
import { FailureRateLimiter } from '../src/core/rate-limit.js';
import { hashSecret, verifySecret } from '../src/core/secret-hash.js';
import { TtlLru } from '../src/core/ttl-cache.js';
import { Semaphore } from '../src/core/semaphore.js';

const dev: Principal = { kind: 'device', tenant: 'acme', deviceId: 'truck-1' };
const partner: Principal = { kind: 'partner', tenant: 'acme', name: 'ops' };

describe('ACL', () => {
  it('devices publish only to their own uplink topics', () => {
    expect(canPublish(dev, 'fw/acme/truck-1/up/batch')).toBe(true);
    expect(canPublish(dev, 'fw/acme/truck-1/up/json')).toBe(true);
    expect(canPublish(dev, 'fw/acme/truck-2/up/batch')).toBe(false);
    expect(canPublish(dev, 'fw/other/truck-1/up/batch')).toBe(false);
    expect(canPublish(dev, 'fw/acme/truck-1/down/config')).toBe(false);
    expect(canPublish(dev, 'fw/acme/truck-1/up')).toBe(false);
    expect(canPublish(dev, 'fw/acme/truck-1/up/+')).toBe(false);
    expect(canPublish(dev, '$SYS/x')).toBe(false);
    expect(canPublish(dev, 'fw/acme/truck-1//batch')).toBe(false);
  });
  it('devices subscribe only below their own downlink', () => {
    expect(canSubscribe(dev, 'fw/acme/truck-1/down/#')).toBe(true);
    expect(canSubscribe(dev, 'fw/acme/truck-1/down/config')).toBe(true);
    expect(canSubscribe(dev, 'fw/acme/truck-1/#')).toBe(false);
    expect(canSubscribe(dev, 'fw/acme/+/down/#')).toBe(false);
    expect(canSubscribe(dev, 'fw/acme/truck-2/down/#')).toBe(false);
    expect(canSubscribe(dev, '#')).toBe(false);
    expect(canSubscribe(dev, 'fw/acme/truck-1/down/a#')).toBe(false);
  });
  it('partners stay inside their tenant', () => {
    expect(canPublish(partner, 'fw/acme/any-device/up/json')).toBe(true);
    expect(canPublish(partner, 'fw/acme/any-device/down/config')).toBe(true);
    expect(canPublish(partner, 'fw/other/any-device/up/json')).toBe(false);
    expect(canSubscribe(partner, 'fw/acme/#')).toBe(true);
    expect(canSubscribe(partner, 'fw/acme/+/down/config')).toBe(true);
    expect(canSubscribe(partner, 'fw/+/#')).toBe(false);
    expect(canSubscribe(partner, 'fw/#')).toBe(false);
  });
});

describe('rate limiter', () => {
  it('blocks after the burst and refills over time', () => {
    const rl = new FailureRateLimiter({ burst: 3, refillPerSec: 1 });
    expect(rl.isBlocked('ip', 0)).toBe(false);
    expect(rl.recordFailure('ip', 0)).toBe(false);
    expect(rl.recordFailure('ip', 0)).toBe(false);
    expect(rl.recordFailure('ip', 0)).toBe(true);
    expect(rl.isBlocked('ip', 500)).toBe(true);
    expect(rl.isBlocked('other', 500)).toBe(false);
    expect(rl.isBlocked('ip', 1000)).toBe(false);
    rl.sweep(10_000);
    expect(rl.size).toBe(0);
  });
  it('bounds the number of tracked keys', () => {
    const rl = new FailureRateLimiter({ burst: 1, refillPerSec: 1, maxKeys: 10 });
    for (let i = 0; i < 100; i++) rl.recordFailure(`ip${i}`, 0);
    expect(rl.size).toBe(10);
    expect(rl.isBlocked('ip99', 0)).toBe(true);
    expect(rl.isBlocked('ip0', 0)).toBe(false);
  });
});

describe('helpers', () => {
  it('TtlLru expires and evicts', () => {
    const c = new TtlLru<number>(2, 100);
    c.set('a', 1, 0);
    c.set('b', 2, 0);
    c.set('c', 3, 0);
    expect(c.get('a', 1)).toBeUndefined();
    expect(c.get('c', 1)).toBe(3);
    expect(c.get('c', 100)).toBeUndefined();
    expect(c.setIfAbsent('b', 9, 50)).toBe(false);
  });
  it('Semaphore hands slots over in FIFO order', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const order: number[] = [];
    const a = s.acquire().then(() => order.push(1));
    const b = s.acquire().then(() => order.push(2));
    expect(s.waiting).toBe(2);
    s.release();
    await a;
    s.release();
    await b;
    expect(order).toEqual([1, 2]);
    expect(s.inUse).toBe(1);
  });
});

describe('secrets and authenticator', () => {
  const fast = { N: 1024, r: 8, p: 1 };
  it('scrypt hashes verify only the right secret', async () => {
    const h = await hashSecret('s3cret', fast);
    expect(await verifySecret('s3cret', h)).toBe(true);
    expect(await verifySecret('s3cret!', h)).toBe(false);
    expect(await verifySecret('s3cret', 'garbage')).toBe(false);
    expect(await verifySecret('s3cret', 'scrypt$99999999$8$1$AAAA$AAAA')).toBe(false);
  });

  it('maps outcomes to CONNACK codes and rate-limits failures per IP', async () => {
    let now = Date.UTC(2025, 0, 1);
    const secret = 'k';
    const rl = new FailureRateLimiter({ burst: 2, refillPerSec: 0.001 });
    const registry = {
      async verify(kind: 'device' | 'partner', name: string, s: string): Promise<Principal | null> {
        if (kind === 'device' && name === 'reg-1' && s === 'pw') return { kind: 'device', tenant: 't', deviceId: name };
        return null;
      },
    };
    const a = new Authenticator({ tokenSecrets: ['old', secret], registry, rateLimiter: rl, now: () => now });
    const tok = mintDeviceToken({ tenant: 'acme', deviceId: 'truck-1', secret, ttlSec: 60, now });
    const expiresAtMs = Math.floor(now / 1000 + 60) * 1000; // token logins carry their expiry (the session ends there)
    expect(await a.authenticate('1.1.1.1', 'truck-1', Buffer.from(tok))).toEqual({
      ok: true,
      principal: { kind: 'device', tenant: 'acme', deviceId: 'truck-1' },
      expiresAtMs,
    });
    const ptok = mintDeviceToken({ tenant: 'acme', deviceId: 'partner:ops', secret, ttlSec: 60, now });
    expect(await a.authenticate('1.1.1.1', 'partner:ops', ptok)).toEqual({
      ok: true,
      principal: { kind: 'partner', tenant: 'acme', name: 'ops' },
      expiresAtMs,
    });
    const reg = await a.authenticate('1.1.1.1', 'reg-1', 'pw');
    expect(reg).toMatchObject({ ok: true });
    expect(reg).not.toHaveProperty('expiresAtMs'); // registry logins do not expire
    expect(await a.authenticate('2.2.2.2', 'truck-2', tok)).toMatchObject({ ok: false, returnCode: 5, reason: 'token_subject_mismatch' });
    expect(await a.authenticate('3.3.3.3', 'reg-1', 'nope')).toMatchObject({ ok: false, returnCode: 4, reason: 'bad_secret' });
    expect(await a.authenticate('4.4.4.4', undefined, undefined)).toMatchObject({ ok: false, returnCode: 4, reason: 'missing_credentials' });
    expect(await a.authenticate('4.4.4.4', 'a/b', 'x')).toMatchObject({ ok: false, returnCode: 4, reason: 'bad_username' });
    // 4.4.4.4 has used its burst of 2: even correct credentials are refused now.
    expect(await a.authenticate('4.4.4.4', 'truck-1', tok)).toMatchObject({ ok: false, returnCode: 5, reason: 'rate_limited' });
    now += 61_000;
    expect(await a.authenticate('5.5.5.5', 'truck-1', tok)).toMatchObject({ ok: false, returnCode: 5, reason: 'token_expired' });
    const noReg = new Authenticator({ tokenSecrets: [secret] });
    expect(await noReg.authenticate('6.6.6.6', 'x', 'plain')).toMatchObject({ ok: false, returnCode: 4 });
    const broken = new Authenticator({ tokenSecrets: [], registry: { verify: async () => Promise.reject(new Error('db down')) } });
    expect(await broken.authenticate('7.7.7.7', 'x', 'plain')).toMatchObject({ ok: false, returnCode: 3, reason: 'registry_unavailable' });
  });
});
