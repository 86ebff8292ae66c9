// PROXY protocol header parsing (pure) and reading it off a real socket.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { forwardedFor } from '../src/adapters/listeners/http-ws.js';
import { ProxyHeaderError, readProxyHeader } from '../src/adapters/listeners/proxy-socket.js';
import { parseProxyHeader } from '../src/core/proxy-protocol.js';
import { v2Header } from './helpers/proxy.js';

const SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

describe('parseProxyHeader', () => {
  it('reads v1 TCP4, TCP6 and UNKNOWN lines and the length of the header', () => {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.5 51234 1883\r\n';
    expect(parseProxyHeader(Buffer.from(`${line}\x10\x20`))).toEqual({ state: 'done', length: line.length, source: '203.0.113.7' });
    expect(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::1 2001:db8::2 51234 1883\r\n'))).toMatchObject({ state: 'done', source: '2001:db8::1' });
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toEqual({ state: 'done', length: 15, source: null });
  });

  it('asks for more bytes while a header is incomplete, at every split point', () => {
    for (const h of [Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.5 51234 1883\r\n'), v2Header(), v2Header({ fam: 2 })]) {
      for (let i = 1; i < h.length; i++) expect(parseProxyHeader(h.subarray(0, i)).state, `${i} bytes`).toBe('partial');
      expect(parseProxyHeader(h).state).toBe('done');
    }
  });

  it('reads v2 PROXY over IPv4 and IPv6 (TLVs skipped), and LOCAL as no address', () => {
    const tlv = Buffer.from([0x04, 0x00, 0x03, 0x61, 0x62, 0x63]); // PP2_TYPE_NOOP
    expect(parseProxyHeader(Buffer.concat([v2Header({ tlv }), Buffer.from([0x10])]))).toEqual({
      state: 'done',
      length: 16 + 12 + tlv.length,
      source: '203.0.113.7',
    });
    expect(parseProxyHeader(v2Header({ fam: 2 }))).toMatchObject({ state: 'done', source: '2001:db8::1' });
    expect(parseProxyHeader(v2Header({ fam: 2, src: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1] }))).toMatchObject({ source: '::ffff:c000:201' });
    expect(parseProxyHeader(v2Header({ cmd: 0 }))).toMatchObject({ state: 'done', source: null });
  });

  it('rejects what is not a PROXY header, with a reason', () => {
    const bad: Array<[Buffer, RegExp]> = [
      [Buffer.from([0x10, 0x20, 0x00]), /no PROXY protocol header/], // an MQTT CONNECT straight away
      [Buffer.from('GET / HTTP/1.1\r\n'), /no PROXY protocol header/],
      [Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`), /longer than 107/],
      [Buffer.from('PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n'), /family/],
      [Buffer.from('PROXY TCP4 1.2.3.999 5.6.7.8 1 2\r\n'), /address malformed/],
      [Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'), /6 fields/],
      [Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 70000 2\r\n'), /port malformed/],
      [Buffer.concat([SIG, Buffer.from([0x11, 0x11, 0, 12]), Buffer.alloc(12)]), /version 1/],
      [Buffer.concat([SIG, Buffer.from([0x22, 0x11, 0, 12]), Buffer.alloc(12)]), /command 2/],
      [Buffer.concat([SIG, Buffer.from([0x21, 0x11, 0, 4]), Buffer.alloc(4)]), /IPv4 block too short/],
      [Buffer.concat([SIG, Buffer.from([0x21, 0x11, 0xff, 0xff])]), /address block of 65535/],
    ];
    for (const [b, re] of bad) {
      const r = parseProxyHeader(b);
      expect(r.state, b.toString('latin1')).toBe('invalid');
      if (r.state === 'invalid') expect(r.reason).toMatch(re);
    }
  });
});

describe('forwardedFor', () => {
  it('takes the rightmost X-Forwarded-For entry when it is an IP address', () => {
    expect(forwardedFor('198.51.100.1')).toBe('198.51.100.1');
    expect(forwardedFor('10.9.9.9, 198.51.100.2')).toBe('198.51.100.2'); // the left part is whatever the client claimed
    expect(forwardedFor(' 2001:db8::5 ')).toBe('2001:db8::5');
    expect(forwardedFor('')).toBeNull();
    expect(forwardedFor('198.51.100.1, unknown')).toBeNull();
  });
});

describe('readProxyHeader on a socket', () => {
  async function pair(): Promise<{ server: net.Socket; client: net.Socket; close: () => void }> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
    const client = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
    const server = await accepted;
    return { server, client, close: () => (client.destroy(), server.destroy(), srv.close()) };
  }

  it('returns the address and leaves the bytes after the header for the next reader, even when split', async () => {
    const p = await pair();
    try {
      const got = readProxyHeader(p.server, 2000);
      p.client.write('PROXY TCP4 203.0.113.7 10.0.0');
      await new Promise((r) => setTimeout(r, 30));
      p.client.write('.5 51234 1883\r\nhello');
      expect(await got).toBe('203.0.113.7');
      const rest = await new Promise<string>((r) => p.server.once('data', (d: Buffer) => r(d.toString())));
      expect(rest).toBe('hello');
    } finally {
      p.close();
    }
  });

  it('rejects a connection that sends no header in time, or something else', async () => {
    const a = await pair();
    try {
      await expect(readProxyHeader(a.server, 100)).rejects.toThrow(new ProxyHeaderError('no PROXY header within 100 ms'));
    } finally {
      a.close();
    }
    const b = await pair();
    try {
      const got = readProxyHeader(b.server, 2000);
      b.client.write(Buffer.from([0x10, 0x0c, 0x00, 0x04]));
      await expect(got).rejects.toThrow('no PROXY protocol header');
    } finally {
      b.close();
    }
  });
});
