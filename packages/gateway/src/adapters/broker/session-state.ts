// The gateway's own state about connections and sessions, kept beside the Aedes objects (WeakMaps keyed by
// them) instead of as properties on them: Aedes' Client and the sockets stay as Aedes and node made them, and
// an entry goes when its object does.
import type { Client, Connection } from 'aedes';
import type { Principal } from '../../core/acl.js';
import type { Transport } from './uplink-pipeline.js';

/** What the listener knows about a connection before Aedes sees it. */
export interface ConnectionInfo {
  transport: Transport;
  /** The client's address named by a PROXY protocol header, when behind a load balancer. */
  proxiedFrom?: string;
}

/** What the gateway knows about an authenticated session. */
export interface SessionState {
  principal: Principal;
  /** The client id the device sent (Aedes' client.id is namespaced by tenant and identity). */
  rawId: string;
  /** Resolves when the previous uplink of the session was admitted (uplinks are processed in order). */
  tail?: Promise<void>;
  /** Closes the session when its login token expires. */
  expiry?: NodeJS.Timeout;
}

const connections = new WeakMap<object, ConnectionInfo>();
const sessions = new WeakMap<Client, SessionState>();

/** Called by a listener before it hands the stream to aedes.handle(). */
export function tagConnection(conn: object, info: ConnectionInfo): void {
  connections.set(conn, info);
}

export function connectionInfo(conn: Connection): ConnectionInfo | undefined {
  return connections.get(conn);
}

export function sessionOf(client: Client | null | undefined): SessionState | undefined {
  return client ? sessions.get(client) : undefined;
}

export function startSession(client: Client, state: SessionState): SessionState {
  sessions.set(client, state);
  return state;
}
