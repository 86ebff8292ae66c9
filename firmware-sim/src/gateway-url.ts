/** Gateway URL validation shared by the runner and the CLI. */
export const DEFAULT_PORTS: Record<string, number> = { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 };

/** Validates a gateway URL; throws a RangeError naming the problem. */
export function parseGatewayUrl(text: string): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new RangeError(`bad gateway URL "${text}" (expected e.g. mqtt://127.0.0.1:1883)`);
  }
  if (!(u.protocol in DEFAULT_PORTS)) throw new RangeError(`bad gateway URL "${text}": scheme must be mqtt, mqtts, ws or wss`);
  if (!u.hostname) throw new RangeError(`bad gateway URL "${text}": missing host`);
  return u;
}
