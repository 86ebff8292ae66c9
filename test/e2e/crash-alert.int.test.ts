// Issue 17 end to end on the real servers: a crash detected by the device SDK becomes a high-severity SafetyAlert
// on fw.alerts.v1 within seconds (SDK -> gateway -> Kafka -> scorer -> Kafka), with its impact and data window;
// phone use while moving becomes a PHONE_USE alert detected by the backend from the app's phone states.
import { describe, expect, it } from 'vitest';
import { fleetwire, unpackAccel } from '@fleetwire/proto';
import { crashToAlert } from '../../bench/lib-crash.js';
import { stackEnv } from '../helpers/env.js';

describe('crash and phone use, SDK to fw.alerts.v1', () => {
  it('a crash is an alert within seconds; phone use is an alert too', async () => {
    const r = await crashToAlert(stackEnv(), 2);
    console.log(
      `crash -> alert ms: ${r.crashMs.map((x) => x.toFixed(0)).join(', ')}; phone-use record -> alert ms: ${r.phoneMs.map((x) => x.toFixed(0)).join(', ')}`,
    );
    for (const ms of r.crashMs) expect(ms).toBeLessThan(5000); // "within seconds" (measured ~0.1-0.5 s; bench/phone-signals)
    for (const { alert } of r.crashAlerts) {
      expect(alert.severity).toBe('high');
      expect(alert.detectedByBackend).toBe(false);
      expect(alert.tenant).toMatch(/^tcrash/);
      const c = alert.event!.crash!;
      expect(c.peakMg).toBeGreaterThan(5000);
      expect(unpackAccel(c.accel).length).toBeGreaterThan(500);
    }
    for (const { alert } of r.phoneAlerts) {
      expect(alert.event!.type).toBe(fleetwire.v1.EventType.EVENT_TYPE_PHONE_USE);
      expect(alert.detectedByBackend).toBe(true);
      expect(alert.event!.durationMs).toBeGreaterThanOrEqual(8000);
    }
  });
});
