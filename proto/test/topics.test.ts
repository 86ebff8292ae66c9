import { describe, expect, it } from 'vitest';
import { downlinkConfigTopic, parseDeviceTopic, uplinkBatchTopic } from '../src/index.js';

describe('MQTT topics', () => {
  it('round-trips uplink and downlink topics', () => {
    expect(parseDeviceTopic(uplinkBatchTopic('acme', 'dev-1'))).toEqual({ tenant: 'acme', deviceId: 'dev-1', direction: 'up', kind: 'batch' });
    expect(parseDeviceTopic(downlinkConfigTopic('acme', 'dev-1'))?.direction).toBe('down');
  });
  it.each([
    'fw/acme/dev-1/up',
    'x/acme/dev-1/up/batch',
    'fw/acme/+/up/batch',
    'fw/acme/dev-1/up/#',
    'fw/acme/dev-1/sideways/batch',
    'fw//dev/up/batch',
    'fw/a b/dev/up/batch',
  ])('rejects %s', (t) => expect(parseDeviceTopic(t)).toBeNull());
});
