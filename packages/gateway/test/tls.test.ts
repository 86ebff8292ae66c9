// MQTT over TLS with a throwaway self-signed certificate (openssl), memory sink.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTelemetryRecord, fleetwire, uplinkBatchTopic } from '@fleetwire/proto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySink } from '../src/adapters/memory-sink.js';
import { startGateway } from '../src/gateway.js';
import { batchBytes, connectDevice, quiet, SECRET } from './helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-gw-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TLS listener', () => {
  it('accepts MQTT over TLS and tags records with TRANSPORT_TLS', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const sink = new MemorySink();
    const gw = await startGateway({
      host: '127.0.0.1',
      mqttPort: null,
      httpPort: null,
      tlsPort: 0,
      tlsCertFile: cert,
      tlsKeyFile: key,
      sink,
      tokenSecrets: [SECRET],
      logger: pino(quiet),
    });
    try {
      expect(gw.ports.mqtt).toBeNull();
      const d = await connectDevice(`mqtts://127.0.0.1:${gw.ports.tls}`, 'acme', 'tls-1', { ca: readFileSync(cert), rejectUnauthorized: true });
      await d.client.publishAsync(uplinkBatchTopic('acme', 'tls-1'), Buffer.from(batchBytes('tls-1', 1)), { qos: 1 });
      await d.client.endAsync();
      const r = decodeTelemetryRecord(sink.telemetry[0]!.value);
      expect(r.ok && r.value.transport).toBe(fleetwire.v1.Transport.TRANSPORT_TLS);
    } finally {
      await gw.close();
    }
  });
});
