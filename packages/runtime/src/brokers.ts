// FW_KAFKA_BROKERS: one parser for every program. A comma-separated list of host:port, where host is a name,
// an IPv4 address or a bracketed IPv6 address ([::1]:9092).
import { ConfigError } from './errors.js';

export interface BrokerAddress {
  host: string;
  port: number;
}

const NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$/;
const V6 = /^\[[0-9A-Fa-f:.]+(?:%[A-Za-z0-9._-]+)?\]$/;

/** One "host:port" / "[v6]:port"; null when it is not one. */
export function parseBroker(s: string): BrokerAddress | null {
  const i = s.lastIndexOf(':');
  if (i <= 0) return null;
  const host = s.slice(0, i);
  const portText = s.slice(i + 1);
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  if (host.startsWith('[') ? !V6.test(host) : !NAME.test(host)) return null;
  return { host, port };
}

/**
 * The broker list of FW_KAFKA_BROKERS (or a --kafka-brokers flag), entries trimmed, empty entries dropped.
 * Throws ConfigError naming the setting and the bad entry. An empty list is allowed (callers decide whether
 * Kafka is required).
 */
export function parseBrokers(raw: string | readonly string[], setting = 'FW_KAFKA_BROKERS'): string[] {
  const list = (typeof raw === 'string' ? raw.split(',') : [...raw]).map((s) => s.trim()).filter(Boolean);
  for (const b of list) {
    if (!parseBroker(b)) throw new ConfigError(`${setting}: ${JSON.stringify(b)} must be host:port (e.g. 127.0.0.1:9092 or [::1]:9092)`, { setting, value: b });
  }
  return list;
}
