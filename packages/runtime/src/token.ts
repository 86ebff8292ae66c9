// HMAC-signed device/partner tokens, the one format: the gateway verifies them, its CLI, the simulator and the
// demo mint them (moved from the gateway so the simulator does not depend on it). Pure apart from node:crypto.
//
// Format: v1.<b64url(tenant)>.<b64url(subject)>.<expSec>.<b64url(hmac-sha256(secret, "v1.<t>.<s>.<exp>"))>
// Tenant and subject are base64url-encoded because identifiers may themselves contain dots.
// subject = deviceId for devices, "partner:<name>" for partner accounts.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isValidSegment } from '@fleetwire/proto';

export interface MintTokenOptions {
  tenant: string;
  /** deviceId, or `partner:<name>` for a partner account. */
  deviceId: string;
  secret: string | Uint8Array;
  ttlSec: number;
  /** Clock in epoch ms; defaults to Date.now(). */
  now?: number;
}

export interface TokenClaims {
  tenant: string;
  deviceId: string;
  expSec: number;
}

export type TokenErrorCode = 'token_malformed' | 'token_bad_signature' | 'token_expired';
export type TokenResult = { ok: true; claims: TokenClaims } | { ok: false; code: TokenErrorCode; message: string };

const MAX_TOKEN_LEN = 1024;
const b64u = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

function mac(secret: string | Uint8Array, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

export function mintDeviceToken(o: MintTokenOptions): string {
  if (!isValidSegment(o.tenant)) throw new TypeError(`tenant ${JSON.stringify(o.tenant)} is not a valid topic segment`);
  if (!isValidSegment(o.deviceId)) throw new TypeError(`deviceId ${JSON.stringify(o.deviceId)} is not a valid topic segment`);
  if (!Number.isFinite(o.ttlSec) || o.ttlSec <= 0) throw new RangeError(`ttlSec must be > 0, got ${o.ttlSec}`);
  if (o.secret.length === 0) throw new TypeError('secret is empty');
  const exp = Math.floor((o.now ?? Date.now()) / 1000 + o.ttlSec);
  const body = `v1.${b64u(o.tenant)}.${b64u(o.deviceId)}.${exp}`;
  return `${body}.${mac(o.secret, body).toString('base64url')}`;
}

export function looksLikeToken(password: string): boolean {
  return password.startsWith('v1.') && password.split('.').length === 5;
}

const B64U_RE = /^[A-Za-z0-9_-]+$/;

/** Verifies signature (constant time) and expiry. Never throws. */
export function verifyDeviceToken(token: string, secret: string | Uint8Array, now: number = Date.now()): TokenResult {
  const bad = (code: TokenErrorCode, message: string): TokenResult => ({ ok: false, code, message });
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LEN) return bad('token_malformed', 'token missing or too long');
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== 'v1') return bad('token_malformed', 'token must be v1.<tenant>.<subject>.<exp>.<mac>');
  const [, t64, d64, expS, sig] = parts as [string, string, string, string, string];
  if (!B64U_RE.test(t64) || !B64U_RE.test(d64) || !B64U_RE.test(sig) || !/^\d{1,12}$/.test(expS)) {
    return bad('token_malformed', 'token fields are not base64url/decimal');
  }
  const expected = mac(secret, `v1.${t64}.${d64}.${expS}`);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return bad('token_bad_signature', 'token signature mismatch');
  const tenant = Buffer.from(t64, 'base64url').toString('utf8');
  const deviceId = Buffer.from(d64, 'base64url').toString('utf8');
  if (!isValidSegment(tenant) || !isValidSegment(deviceId)) return bad('token_malformed', 'token tenant/subject invalid');
  const expSec = Number(expS);
  if (expSec * 1000 <= now) return bad('token_expired', `token expired at ${new Date(expSec * 1000).toISOString()}`);
  return { ok: true, claims: { tenant, deviceId, expSec } };
}
