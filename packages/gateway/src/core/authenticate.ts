// CONNECT credential check. MQTT username = deviceId or "partner:<name>"; password = an HMAC token
// (see token.ts) or a registry secret. Pure apart from crypto and the injected registry.
import { isValidSegment } from '@fleetwire/proto';
import { PARTNER_PREFIX, type Principal } from './acl.js';
import type { FailureRateLimiter } from './rate-limit.js';
import { looksLikeToken, verifyDeviceToken } from '@fleetwire/runtime';

export interface CredentialRegistry {
  verify(kind: 'device' | 'partner', name: string, secret: string): Promise<Principal | null>;
  /**
   * Whether each account still exists and is enabled (uncached), so sessions of revoked accounts can be
   * closed. Optional: without it, a registry login lasts as long as its connection.
   */
  stillValid?(principals: readonly Principal[]): Promise<boolean[]>;
}

/** MQTT 3.1.1 CONNACK return codes used for rejections. */
export const CONNACK = Object.freeze({ SERVER_UNAVAILABLE: 3, BAD_USERNAME_OR_PASSWORD: 4, NOT_AUTHORIZED: 5 });

export type AuthFailureReason =
  | 'rate_limited'
  | 'missing_credentials'
  | 'bad_username'
  | 'token_malformed'
  | 'token_bad_signature'
  | 'token_expired'
  | 'token_subject_mismatch'
  | 'bad_secret'
  | 'no_auth_method'
  | 'registry_unavailable';

export type AuthOutcome =
  /** `expiresAtMs`: when the login token expires. `viaRegistry`: the registry vouched for the secret. */
  | { ok: true; principal: Principal; expiresAtMs?: number; viaRegistry?: true }
  | { ok: false; returnCode: 3 | 4 | 5; reason: AuthFailureReason; message: string };

export interface AuthenticatorOptions {
  /** HMAC secrets; the first signs nothing here, all are accepted (rotation). Empty = tokens disabled. */
  tokenSecrets: readonly string[];
  registry?: CredentialRegistry | null;
  rateLimiter?: FailureRateLimiter | null;
  now?: () => number;
}

const MAX_PASSWORD = 1024;

export class Authenticator {
  private readonly now: () => number;
  constructor(private readonly o: AuthenticatorOptions) {
    this.now = o.now ?? Date.now;
  }

  async authenticate(ip: string, username: string | undefined, password: Uint8Array | string | undefined): Promise<AuthOutcome> {
    const rl = this.o.rateLimiter;
    if (rl?.isBlocked(ip, this.now())) {
      return { ok: false, returnCode: CONNACK.NOT_AUTHORIZED, reason: 'rate_limited', message: `too many failed attempts from ${ip}` };
    }
    const out = await this.check(username, password);
    if (!out.ok && out.reason !== 'registry_unavailable') rl?.recordFailure(ip, this.now());
    return out;
  }

  private async check(username: string | undefined, passwordIn: Uint8Array | string | undefined): Promise<AuthOutcome> {
    const fail = (returnCode: 3 | 4 | 5, reason: AuthFailureReason, message: string): AuthOutcome => ({ ok: false, returnCode, reason, message });
    if (!username || passwordIn === undefined || passwordIn === null || passwordIn.length === 0) {
      return fail(CONNACK.BAD_USERNAME_OR_PASSWORD, 'missing_credentials', 'username and password are required');
    }
    if (passwordIn.length > MAX_PASSWORD) return fail(CONNACK.BAD_USERNAME_OR_PASSWORD, 'bad_secret', 'password too long');
    const password = typeof passwordIn === 'string' ? passwordIn : Buffer.from(passwordIn).toString('utf8');
    const isPartner = username.startsWith(PARTNER_PREFIX);
    const name = isPartner ? username.slice(PARTNER_PREFIX.length) : username;
    if (!isValidSegment(username) || name.length === 0)
      return fail(CONNACK.BAD_USERNAME_OR_PASSWORD, 'bad_username', 'username must be a deviceId or partner:<name> in [A-Za-z0-9._:-]');

    const secrets = this.o.tokenSecrets;
    if (looksLikeToken(password) && secrets.length > 0) {
      let last: AuthOutcome | null = null;
      for (const s of secrets) {
        const r = verifyDeviceToken(password, s, this.now());
        if (r.ok) {
          if (r.claims.deviceId !== username) {
            return fail(CONNACK.NOT_AUTHORIZED, 'token_subject_mismatch', `token is for ${r.claims.deviceId}, username is ${username}`);
          }
          const principal: Principal = isPartner
            ? { kind: 'partner', tenant: r.claims.tenant, name }
            : { kind: 'device', tenant: r.claims.tenant, deviceId: name };
          return { ok: true, principal, expiresAtMs: r.claims.expSec * 1000 };
        }
        last = fail(r.code === 'token_expired' ? CONNACK.NOT_AUTHORIZED : CONNACK.BAD_USERNAME_OR_PASSWORD, r.code, r.message);
        if (r.code !== 'token_bad_signature') break; // other secrets can't change a malformed/expired verdict
      }
      return last!;
    }
    const reg = this.o.registry;
    if (!reg) {
      return secrets.length > 0
        ? fail(CONNACK.BAD_USERNAME_OR_PASSWORD, 'token_malformed', 'password is not a v1 token and no device registry is configured')
        : fail(CONNACK.NOT_AUTHORIZED, 'no_auth_method', 'gateway has neither a token secret nor a device registry');
    }
    let p: Principal | null;
    try {
      p = await reg.verify(isPartner ? 'partner' : 'device', name, password);
    } catch (e) {
      return fail(CONNACK.SERVER_UNAVAILABLE, 'registry_unavailable', `device registry unavailable: ${(e as Error).message}`);
    }
    return p ? { ok: true, principal: p, viaRegistry: true } : fail(CONNACK.BAD_USERNAME_OR_PASSWORD, 'bad_secret', 'unknown account or wrong secret');
  }
}
