// PROXY protocol v1 (text) and v2 (binary) headers, as sent by HAProxy, AWS NLB, Envoy and others in front
// of a TCP service, so the service learns the client's address instead of the load balancer's. Pure.
// Spec: https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt
import { isIPv4, isIPv6 } from 'node:net';

export type ProxyHeader =
  /** More bytes are needed to decide. */
  | { state: 'partial' }
  /** `length` bytes of header; `source` is the client address, null for LOCAL / UNKNOWN (health checks). */
  | { state: 'done'; length: number; source: string | null }
  | { state: 'invalid'; reason: string };

const V2_SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ');
const V1_MAX = 107; // the longest v1 line, CRLF included
const V2_MAX_ADDR = 4096; // address block bound (TLVs included); the spec allows up to 65535

const PORT = /^(0|[1-9]\d{0,4})$/;

/** Reads the header at the start of `buf` (what a connection sent so far). */
export function parseProxyHeader(buf: Uint8Array): ProxyHeader {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (startsWithPrefixOf(b, V2_SIG)) return b.length < V2_SIG.length ? { state: 'partial' } : parseV2(b);
  if (startsWithPrefixOf(b, V1_PREFIX)) return b.length < V1_PREFIX.length ? { state: 'partial' } : parseV1(b);
  return { state: 'invalid', reason: 'no PROXY protocol header' };
}

/** True when b and sig agree on their common length (b may be shorter than sig). */
function startsWithPrefixOf(b: Buffer, sig: Buffer): boolean {
  const n = Math.min(b.length, sig.length);
  return n > 0 && b.subarray(0, n).equals(sig.subarray(0, n));
}

function parseV1(b: Buffer): ProxyHeader {
  const end = b.indexOf('\r\n');
  if (end < 0) return b.length >= V1_MAX ? { state: 'invalid', reason: 'PROXY v1 line longer than 107 bytes' } : { state: 'partial' };
  if (end + 2 > V1_MAX) return { state: 'invalid', reason: 'PROXY v1 line longer than 107 bytes' };
  const parts = b.toString('latin1', 0, end).split(' ');
  const length = end + 2;
  if (parts[1] === 'UNKNOWN') return { state: 'done', length, source: null };
  if (parts.length !== 6) return { state: 'invalid', reason: 'PROXY v1 line needs 6 fields' };
  const [, fam, src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const isIp = fam === 'TCP4' ? isIPv4 : fam === 'TCP6' ? isIPv6 : null;
  if (!isIp) return { state: 'invalid', reason: `PROXY v1 family ${JSON.stringify(fam)} is not TCP4, TCP6 or UNKNOWN` };
  if (!isIp(src) || !isIp(dst)) return { state: 'invalid', reason: 'PROXY v1 address malformed' };
  if (!PORT.test(sport) || !PORT.test(dport) || Number(sport) > 65535 || Number(dport) > 65535) {
    return { state: 'invalid', reason: 'PROXY v1 port malformed' };
  }
  return { state: 'done', length, source: src };
}

function parseV2(b: Buffer): ProxyHeader {
  if (b.length < 16) return { state: 'partial' };
  const verCmd = b[12]!;
  if (verCmd >> 4 !== 2) return { state: 'invalid', reason: `PROXY v2 version ${verCmd >> 4}` };
  const cmd = verCmd & 0x0f;
  if (cmd > 1) return { state: 'invalid', reason: `PROXY v2 command ${cmd}` };
  const famProto = b[13]!;
  const len = b.readUInt16BE(14);
  if (len > V2_MAX_ADDR) return { state: 'invalid', reason: `PROXY v2 address block of ${len} bytes` };
  if (b.length < 16 + len) return { state: 'partial' };
  const length = 16 + len;
  if (cmd === 0) return { state: 'done', length, source: null }; // LOCAL: the proxy's own connection (health check)
  const fam = famProto >> 4;
  if (fam === 1) {
    if (len < 12) return { state: 'invalid', reason: 'PROXY v2 IPv4 block too short' };
    return { state: 'done', length, source: `${b[16]}.${b[17]}.${b[18]}.${b[19]}` };
  }
  if (fam === 2) {
    if (len < 36) return { state: 'invalid', reason: 'PROXY v2 IPv6 block too short' };
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(16 + i * 2).toString(16));
    return { state: 'done', length, source: compressIpv6(groups) };
  }
  return { state: 'done', length, source: null }; // AF_UNSPEC or AF_UNIX: no client IP to take
}

/** RFC 5952 text form of 8 hex groups: the longest run (2+) of zero groups becomes "::". */
function compressIpv6(groups: string[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
