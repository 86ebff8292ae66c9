// The edge detector's learnt state as outbox bytes: the detection core's MotionState (gravity, mount evidence,
// gyroscope handedness, open episodes) as JSON in ASCII. Only plain numbers, booleans, arrays and ASCII keys are
// in it, so no TextEncoder is needed (Hermes has none for decoding). Pure.
import { type MotionState, newMotionState } from '@fleetwire/detect';

/** Bumped when the envelope changes; the core's own MotionState.v is checked as well. */
const FORMAT = 1;

export function encodeDetectionState(m: MotionState): Uint8Array | null {
  const s = JSON.stringify({ f: FORMAT, m });
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return null;
    out[i] = c;
  }
  return out;
}

/** The state, or null when the bytes are not a state this version wrote (another format, core version, garbage). */
export function decodeDetectionState(b: Uint8Array): MotionState | null {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  let o: unknown;
  try {
    o = JSON.parse(s);
  } catch {
    return null;
  }
  const env = o as { f?: unknown; m?: Partial<MotionState> } | null;
  const m = env?.m;
  if (env?.f !== FORMAT || typeof m !== 'object' || m === null) return null;
  const fresh = newMotionState();
  if (m.v !== fresh.v || typeof m.imu !== 'object' || m.imu === null || typeof m.gps !== 'object' || m.gps === null) return null;
  return m as MotionState;
}
