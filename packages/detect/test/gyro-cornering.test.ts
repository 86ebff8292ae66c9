// Cornering from the gyroscope's yaw rate times the GPS speed: the speed must be the current one. Judging a
// fix waits for the next, so the last judged speed is a fix behind; braking into a turn (what drivers do) it
// would overstate the lateral acceleration.
import { describe, expect, it } from 'vitest';
import { EVENT } from '../src/index.js';
import { drive, run } from './synthetic.js';

const D = Math.PI / 180;
const G = 9.80665;
/** 0.25 g braking from 20 m/s between s = 10 and 16, a left turn of `yawDps` from s = 14.5 to 16. */
const v = (s: number) => (s < 10 ? 20 : 20 - 0.25 * G * (Math.min(s, 16) - 10));
const turning = (s: number) => s >= 14.5 && s < 16;
function brakeIntoTurn(yawDps: number) {
  return drive(
    20,
    v,
    (s) => [s >= 10 && s < 16 ? -0.25 : 0, turning(s) ? (v(s) * yawDps * D) / G : 0, 1],
    (s) => [0, 0, turning(s) ? yawDps : 0],
  );
}

describe('cornering from the yaw rate at 1 Hz GPS', () => {
  it('a turn below the threshold at the speed of the moment is no event (a lagging speed would make one)', () => {
    // 20 deg/s at 9.0 m/s (the speed where the turn starts) is 0.32 g; at the speed 2 s earlier it would be 0.49 g.
    const r = run(brakeIntoTurn(20));
    expect(r.events.filter((e) => e.type === EVENT.HARSH_CORNERING)).toEqual([]);
  });
  it('a sharper turn is one event whose peak is the lateral acceleration of the moment', () => {
    // 32 deg/s: 0.51 g at 9.0 m/s, 0.28 g at the end of the turn.
    const r = run(brakeIntoTurn(32));
    const c = r.events.filter((e) => e.type === EVENT.HARSH_CORNERING);
    expect(c.length).toBe(1);
    const truePeak = ((v(14.5) * 32 * D) / G) * 1000;
    expect(c[0]!.peak).toBeLessThanOrEqual(truePeak * 1.1);
    expect(c[0]!.peak).toBeGreaterThanOrEqual(350);
  });
});
