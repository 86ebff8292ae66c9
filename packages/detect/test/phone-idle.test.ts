// skipIdleTicks is a shortcut of advancePhone: over any input sequence, the phone-use state and the episodes must
// be the same with it as without it.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECT_CONFIG, PHONE } from '../src/index.js';
import { advancePhone, newPhoneUseState, type PhoneContext, type PhoneUseEvent, pushPhoneState, skipIdleTicks, notePhoneHandling } from '../src/phone.js';

const cfg = DEFAULT_DETECT_CONFIG;
const ctx: PhoneContext = { moving: true, latE7: 1, lonE7: 2, speedCms: 1500 };

/** A deterministic mix of idle stretches, app states, IMU handling and gaps (LCG-driven). */
function inputs(seed: number): { t: number; kind: 'tick' | 'state' | 'imu'; state?: number }[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: { t: number; kind: 'tick' | 'state' | 'imu'; state?: number }[] = [];
  let t = 1_000_000 + Math.floor(rnd() * 1000);
  const states = Object.values(PHONE);
  for (let i = 0; i < 4000; i++) {
    const r = rnd();
    t += r < 0.01 ? 61_000 + Math.floor(rnd() * 5000) : r < 0.05 ? Math.floor(rnd() * 20_000) : 20 + Math.floor(rnd() * 300);
    const k = rnd();
    if (k < 0.02) out.push({ t, kind: 'state', state: states[Math.floor(rnd() * states.length)]! });
    else if (k < 0.04) out.push({ t, kind: 'imu' });
    else out.push({ t, kind: 'tick' });
  }
  return out;
}

function replay(seed: number, shortcut: boolean) {
  const st = newPhoneUseState();
  const evs: PhoneUseEvent[] = [];
  let skipped = 0;
  for (const i of inputs(seed)) {
    if (i.kind === 'state') pushPhoneState(st, i.t, i.state!, ctx, cfg, evs);
    else if (shortcut && skipIdleTicks(st, i.t, cfg)) skipped++;
    else advancePhone(st, i.t, ctx, cfg, evs);
    if (i.kind === 'imu') notePhoneHandling(st, i.t);
  }
  return { st, evs, skipped };
}

describe('skipIdleTicks', () => {
  it.each([1, 2, 3, 4, 5])('gives the same state and episodes as advancePhone alone (seed %i)', (seed) => {
    const a = replay(seed, false);
    const b = replay(seed, true);
    expect(b.skipped).toBeGreaterThan(100); // the shortcut was taken, often
    expect(a.evs.length).toBeGreaterThan(0); // and there was phone use to account
    expect(b.evs).toEqual(a.evs);
    expect(b.st).toEqual(a.st);
  });

  it('declines while an episode is open, before the first tick and across a gap', () => {
    const st = newPhoneUseState();
    expect(skipIdleTicks(st, 1000, cfg)).toBe(false); // not started
    advancePhone(st, 1000, ctx, cfg, []);
    expect(skipIdleTicks(st, 1600, cfg)).toBe(true);
    expect(st.tickT).toBe(1500);
    expect(skipIdleTicks(st, 1500 + 60_001, cfg)).toBe(false); // a gap: advancePhone closes and restarts
    pushPhoneState(st, 2000, PHONE.CALL_START, ctx, cfg, []);
    advancePhone(st, 3000, ctx, cfg, []);
    expect(st.ep).not.toBeNull();
    expect(skipIdleTicks(st, 4000, cfg)).toBe(false);
  });
});
