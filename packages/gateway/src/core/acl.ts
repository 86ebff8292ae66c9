// Topic ACL. Pure.
//  device  (tenant t, id d): publish fw/t/d/up/#, subscribe fw/t/d/down/# (and narrower filters).
//  partner (tenant t):       publish fw/t/<any device>/up/# and fw/t/<any device>/down/#,
//                            subscribe any filter inside fw/t/.
import { isValidSegment } from '@fleetwire/proto';

export type Principal = { kind: 'device'; tenant: string; deviceId: string } | { kind: 'partner'; tenant: string; name: string };

export const PARTNER_PREFIX = 'partner:';

export function principalLabel(p: Principal): string {
  return p.kind === 'device' ? p.deviceId : `${PARTNER_PREFIX}${p.name}`;
}

function levels(topic: string): string[] {
  return topic.split('/');
}

/** Concrete topic (no wildcards) a principal may publish to. */
export function canPublish(p: Principal, topic: string): boolean {
  if (topic.length === 0 || topic.includes('+') || topic.includes('#') || topic.includes('\u0000')) return false;
  const l = levels(topic);
  if (l.length < 5 || l[0] !== 'fw' || l[1] !== p.tenant) return false;
  if (l.some((s) => s.length === 0)) return false;
  if (p.kind === 'device') return l[2] === p.deviceId && l[3] === 'up';
  return isValidSegment(l[2]!) && (l[3] === 'up' || l[3] === 'down');
}

/** Subscription filter (wildcards allowed) a principal may subscribe to. */
export function canSubscribe(p: Principal, filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const l = levels(filter);
  // '#' only as the last level and alone; '+' alone in its level.
  for (let i = 0; i < l.length; i++) {
    const s = l[i]!;
    if (s.includes('#') && (s !== '#' || i !== l.length - 1)) return false;
    if (s.includes('+') && s !== '+') return false;
  }
  if (l[0] !== 'fw' || l[1] !== p.tenant) return false;
  if (p.kind === 'partner') return l.length >= 3;
  // device: exactly fw/t/d/down/... with no wildcard in the first four levels
  return l.length >= 5 && l[2] === p.deviceId && l[3] === 'down';
}
