// Closes the sessions of registry accounts that were disabled or removed after they logged in. Every
// `everyMs`, one uncached registry check (in chunks) covers all sessions that logged in through the
// registry. While the registry is unreachable, sessions stay open (logins would fail anyway).
import type { Client } from 'aedes';
import type { Logger } from 'pino';
import type { Principal } from '../../core/acl.js';
import type { CredentialRegistry } from '../../core/authenticate.js';

const CHUNK = 5000;

export class RegistrySessions {
  private readonly sessions = new Map<Client, Principal>();
  private readonly timer: NodeJS.Timeout | null = null;
  private running = false;
  private warned = false;

  constructor(
    private readonly registry: CredentialRegistry | null,
    everyMs: number,
    private readonly onRevoke: (client: Client, principal: Principal) => void,
    private readonly log: Logger,
  ) {
    if (registry?.stillValid && everyMs > 0) {
      this.timer = setInterval(() => void this.sweep(), everyMs);
      this.timer.unref();
    }
  }

  /** Watches a session that logged in through the registry, until its connection closes. */
  track(client: Client, principal: Principal): void {
    if (!this.timer) return;
    this.sessions.set(client, principal);
    client.conn.once('close', () => this.sessions.delete(client));
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Checks every tracked session once; resolves with how many were closed. */
  async sweep(): Promise<number> {
    if (this.running || this.sessions.size === 0 || !this.registry?.stillValid) return 0;
    this.running = true;
    let closed = 0;
    try {
      const all = [...this.sessions];
      for (let i = 0; i < all.length; i += CHUNK) {
        const part = all.slice(i, i + CHUNK);
        const ok = await this.registry.stillValid(part.map(([, p]) => p));
        part.forEach(([client, p], j) => {
          if (ok[j] || client.closed) return;
          this.sessions.delete(client);
          this.onRevoke(client, p);
          client.close();
          closed++;
        });
      }
      this.warned = false;
    } catch (e) {
      if (!this.warned) this.log.warn({ err: (e as Error).message }, 'registry re-check failed; sessions stay open');
      this.warned = true;
    } finally {
      this.running = false;
    }
    return closed;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.sessions.clear();
  }
}
