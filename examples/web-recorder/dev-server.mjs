// Development server for the web recorder: serves the built page (node build.mjs) over https (or http
// on localhost) and a token endpoint standing in for your app backend, so a phone on the same network
// can record a drive against a gateway started with --ws-tls. NOT for production: anyone who can reach
// it gets a token for any device id that matches --device-prefix in --tenant.
//
//   FW_GATEWAY_TOKEN_SECRET=... node examples/web-recorder/dev-server.mjs \
//     --cert cert.pem --key key.pem --host 0.0.0.0 --port 8443 --tenant acme [--device-prefix phone-] [--ttl-sec 600] [--dir dist]
//
// As a module (the example's test): startDevServer({ dir, mintToken(deviceId) }).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TYPES = { '.js': 'text/javascript', '.html': 'text/html; charset=utf-8', '.wasm': 'application/wasm', '.map': 'application/json' };
const DEVICE_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * @param {{ dir: string, mintToken: (deviceId: string) => string, host?: string, port?: number,
 *   cert?: string | Buffer, key?: string | Buffer, devicePrefix?: string }} o
 * @returns {Promise<{ url: string, tokensIssued: () => number, close(): Promise<void> }>}
 */
export async function startDevServer(o) {
  const root = path.resolve(o.dir);
  if (!fs.existsSync(path.join(root, 'index.html'))) throw new Error(`${root}/index.html missing: run node examples/web-recorder/build.mjs first`);
  const prefix = o.devicePrefix ?? '';
  let issued = 0;
  const handler = (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/token') {
      const device = u.searchParams.get('device') ?? '';
      if (!DEVICE_RE.test(device) || !device.startsWith(prefix)) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`device must match ${DEVICE_RE} and start with "${prefix}"\n`);
        return;
      }
      issued++;
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(o.mintToken(device));
      return;
    }
    const file = path.join(root, path.normalize(u.pathname === '/' ? '/index.html' : decodeURIComponent(u.pathname)));
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(fs.readFileSync(file));
  };
  const tls = o.cert && o.key;
  const server = tls ? https.createServer({ cert: o.cert, key: o.key }, handler) : http.createServer(handler);
  const sockets = new Set();
  server.on(tls ? 'secureConnection' : 'connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve(undefined));
  });
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `${tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    tokensIssued: () => issued,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve(undefined));
      }),
  };
}

function arg(argv, name, def) {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}

async function main(argv) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const secret = process.env.FW_GATEWAY_TOKEN_SECRET;
  const tenant = arg(argv, 'tenant');
  if (!secret) throw new Error("set FW_GATEWAY_TOKEN_SECRET (the gateway's token secret)");
  if (!tenant) throw new Error('--tenant is required');
  const certFile = arg(argv, 'cert');
  const keyFile = arg(argv, 'key');
  if (Boolean(certFile) !== Boolean(keyFile)) throw new Error('--cert and --key go together');
  const host = arg(argv, 'host', '127.0.0.1');
  if (!certFile && host !== '127.0.0.1' && host !== 'localhost')
    throw new Error('without --cert/--key only 127.0.0.1 / localhost: phone browsers need https for sensors and OPFS');
  const ttlSec = Number(arg(argv, 'ttl-sec', '600'));
  const { mintDeviceToken } = await import('@fleetwire/gateway');
  const s = await startDevServer({
    dir: arg(argv, 'dir', path.join(here, 'dist')),
    host,
    port: Number(arg(argv, 'port', certFile ? '8443' : '8000')),
    devicePrefix: arg(argv, 'device-prefix', 'phone-'),
    ...(certFile ? { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) } : {}),
    mintToken: (deviceId) => mintDeviceToken({ tenant, deviceId, secret, ttlSec }),
  });
  console.log(`web-recorder dev server on ${s.url} (listening on ${host}); tokens for tenant ${tenant}, ttl ${ttlSec} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`dev-server: ${e.message}`);
    process.exit(1);
  });
}
