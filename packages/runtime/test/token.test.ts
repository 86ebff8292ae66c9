// Moved from packages/gateway/test/core.test.ts with the token code.
import { describe, expect, it } from 'vitest';
import { mintDeviceToken, verifyDeviceToken } from '../src/token.js';

describe('device tokens', () => {
  const secret = 'test-secret';
  const now = Date.UTC(2025, 0, 1);
  it('round-trips and binds tenant and device', () => {
    const tok = mintDeviceToken({ tenant: 'acme', deviceId: 'truck.1:a', secret, ttlSec: 60, now });
    expect(tok.startsWith('v1.')).toBe(true);
    const r = verifyDeviceToken(tok, secret, now + 1000);
    expect(r).toEqual({ ok: true, claims: { tenant: 'acme', deviceId: 'truck.1:a', expSec: now / 1000 + 60 } });
  });
  it('rejects expiry, wrong secret, tampering, garbage', () => {
    const tok = mintDeviceToken({ tenant: 'acme', deviceId: 'd1', secret, ttlSec: 60, now });
    expect(verifyDeviceToken(tok, secret, now + 61_000)).toMatchObject({ ok: false, code: 'token_expired' });
    expect(verifyDeviceToken(tok, 'other', now)).toMatchObject({ ok: false, code: 'token_bad_signature' });
    const parts = tok.split('.');
    parts[2] = Buffer.from('d2').toString('base64url');
    expect(verifyDeviceToken(parts.join('.'), secret, now)).toMatchObject({ ok: false, code: 'token_bad_signature' });
    const longer = tok.split('.');
    longer[3] = String(Number(longer[3]) + 1000);
    expect(verifyDeviceToken(longer.join('.'), secret, now)).toMatchObject({ ok: false, code: 'token_bad_signature' });
    for (const g of ['', 'v1', 'v1.a.b.c', 'v2.a.b.1.x', 'v1.a.b.notnum.x', 'v1.@@.b.1.x', 'x'.repeat(5000)]) {
      expect(verifyDeviceToken(g, secret, now)).toMatchObject({ ok: false, code: 'token_malformed' });
    }
  });
  it('refuses to mint invalid tokens', () => {
    expect(() => mintDeviceToken({ tenant: 'a/b', deviceId: 'd', secret, ttlSec: 1 })).toThrow(/tenant/);
    expect(() => mintDeviceToken({ tenant: 'a', deviceId: 'd', secret, ttlSec: 0 })).toThrow(/ttlSec/);
    expect(() => mintDeviceToken({ tenant: 'a', deviceId: 'd', secret: '', ttlSec: 1 })).toThrow(/secret/);
  });
});
