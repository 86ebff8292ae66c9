// A throwaway self-signed certificate for 127.0.0.1 / localhost (openssl, at test time), for TLS and
// wss:// listeners in tests and benches.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCert {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
  dir: string;
  remove(): void;
}

export function selfSignedCert(cn = 'localhost'): TestCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-cert-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe' },
  );
  return {
    certFile,
    keyFile,
    cert: fs.readFileSync(certFile),
    key: fs.readFileSync(keyFile),
    dir,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
