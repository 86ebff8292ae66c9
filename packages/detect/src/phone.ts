// Phone use while driving: what the app reports (screen, unlock, calls, its own touch gestures) and what the
// IMU shows (the phone picked up or moved in the car), turned into episodes of use, counted while the
// vehicle moves. Passengers are out of scope: a phone is assumed to be the driver's (see README).
// State is plain JSON (part of MotionState, persisted by the scorer).
import type { DetectConfig } from './config.js';

/** fleetwire.v1.PhoneState numbers. */
export const PHONE = Object.freeze({ SCREEN_OFF: 1, SCREEN_ON: 2, UNLOCKED: 3, LOCKED: 4, CALL_START: 5, CALL_END: 6, HANDLING: 7 });
/** Evidence bits of a PHONE_USE event (its `peak`). */
export const PHONE_EVIDENCE = Object.freeze({ APP: 1, CALL: 2, IMU: 4 });
export const EVENT_PHONE_USE = 8;

export interface PhoneEpisode {
  startT: number;
  /** Last tick at which the phone was in use. */
  lastT: number;
  /** In-use time while the vehicle moved (ms). */
  movingMs: number;
  bits: number;
  latE7: number;
  lonE7: number;
  speedCms: number;
}

export interface PhoneUseState {
  inCall: boolean;
  screenOn: boolean;
  /** Last app gesture or unlock (-1 none, or ended by screen off / lock). */
  gestureT: number;
  /** Last sample with IMU handling evidence (-1 none). */
  imuT: number;
  /** Data time up to which use has been accounted (ticks of tickMs), -1 not started. */
  tickT: number;
  ep: PhoneEpisode | null;
  /** Closed episodes with enough moving time (diagnostics). */
  episodes: number;
}

export const newPhoneUseState = (): PhoneUseState => ({ inCall: false, screenOn: false, gestureT: -1, imuT: -1, tickT: -1, ep: null, episodes: 0 });

/** Granularity of the accounting (ms). */
export const PHONE_TICK_MS = 250;

/** What the phone-use accounting needs of the vehicle at a tick: is it moving, and where. */
export interface PhoneContext {
  moving: boolean;
  latE7: number;
  lonE7: number;
  speedCms: number;
}

/** A finished phone-use episode (emitted when it held at least phoneMinUseMs of moving time). */
export interface PhoneUseEvent {
  startT: number;
  endT: number;
  movingMs: number;
  bits: number;
  latE7: number;
  lonE7: number;
  speedCms: number;
}

function evidence(st: PhoneUseState, t: number, cfg: DetectConfig): number {
  let bits = 0;
  if (st.inCall) bits |= PHONE_EVIDENCE.CALL;
  if (st.gestureT >= 0 && t - st.gestureT <= cfg.phoneGestureHoldMs) bits |= PHONE_EVIDENCE.APP;
  if (st.imuT >= 0 && t - st.imuT <= cfg.phoneHandlingHoldMs) bits |= PHONE_EVIDENCE.IMU;
  return bits;
}

function close(st: PhoneUseState, cfg: DetectConfig, out: PhoneUseEvent[]): void {
  const ep = st.ep;
  st.ep = null;
  if (!ep || ep.movingMs < cfg.phoneMinUseMs) return;
  st.episodes++;
  out.push({ startT: ep.startT, endT: ep.lastT, movingMs: ep.movingMs, bits: ep.bits, latE7: ep.latE7, lonE7: ep.lonE7, speedCms: ep.speedCms });
}

/**
 * Accounts every tick up to t with the state as it was (inputs arrive in time order, so the state between the
 * previous input and t is the one before this input). A gap longer than the merge gap closes the episode.
 */
export function advancePhone(st: PhoneUseState, t: number, ctx: PhoneContext, cfg: DetectConfig, out: PhoneUseEvent[]): void {
  if (st.tickT < 0) {
    st.tickT = Math.floor(t / PHONE_TICK_MS) * PHONE_TICK_MS;
    return;
  }
  if (t - st.tickT > 60_000) {
    // A gap in the data: nothing is known of it; close what was open and restart the ticks.
    close(st, cfg, out);
    st.tickT = Math.floor(t / PHONE_TICK_MS) * PHONE_TICK_MS;
    return;
  }
  while (st.tickT + PHONE_TICK_MS <= t) {
    st.tickT += PHONE_TICK_MS;
    const tick = st.tickT;
    const bits = evidence(st, tick, cfg);
    if (bits !== 0) {
      if (!st.ep) st.ep = { startT: tick - PHONE_TICK_MS, lastT: tick, movingMs: 0, bits: 0, latE7: ctx.latE7, lonE7: ctx.lonE7, speedCms: ctx.speedCms };
      const ep = st.ep;
      ep.lastT = tick;
      ep.bits |= bits;
      if (ctx.moving) {
        ep.movingMs += PHONE_TICK_MS;
        if (ep.speedCms < ctx.speedCms) ep.speedCms = ctx.speedCms;
      }
    } else if (st.ep && tick - st.ep.lastT > cfg.phoneMergeGapMs) close(st, cfg, out);
  }
}

/**
 * advancePhone's shortcut for the common case, no use at all: with no episode open and no evidence at the next
 * tick there is none at any later tick up to t either (evidence only expires between inputs), so the ticks up to
 * t change nothing but tickT. Moves tickT as advancePhone would and says so; false when advancePhone is needed.
 * Only for t within the gap advancePhone treats as continuous.
 */
export function skipIdleTicks(st: PhoneUseState, t: number, cfg: DetectConfig): boolean {
  if (st.ep !== null || st.tickT < 0 || t - st.tickT > 60_000 || evidence(st, st.tickT + PHONE_TICK_MS, cfg) !== 0) return false;
  st.tickT += Math.floor((t - st.tickT) / PHONE_TICK_MS) * PHONE_TICK_MS;
  return true;
}

/** An app-reported phone state (fleetwire.v1.PhoneState number) at t. Unknown states are ignored. */
export function pushPhoneState(st: PhoneUseState, t: number, state: number, ctx: PhoneContext, cfg: DetectConfig, out: PhoneUseEvent[]): void {
  advancePhone(st, t, ctx, cfg, out);
  switch (state) {
    case PHONE.SCREEN_ON:
      st.screenOn = true;
      break;
    case PHONE.SCREEN_OFF:
    case PHONE.LOCKED:
      if (state === PHONE.SCREEN_OFF) st.screenOn = false;
      st.gestureT = -1;
      break;
    case PHONE.UNLOCKED:
    case PHONE.HANDLING:
      st.screenOn = true;
      st.gestureT = t;
      break;
    case PHONE.CALL_START:
      st.inCall = true;
      break;
    case PHONE.CALL_END:
      st.inCall = false;
      break;
    default:
      break;
  }
}

/** IMU evidence of handling at t (from the detector's accelerometer / gyroscope path). */
export function notePhoneHandling(st: PhoneUseState, t: number): void {
  st.imuT = t;
}

/** End of data or of a trip: accounts up to t and closes the open episode. */
export function flushPhone(st: PhoneUseState, t: number, ctx: PhoneContext, cfg: DetectConfig, out: PhoneUseEvent[]): void {
  if (st.tickT >= 0 && t > st.tickT) advancePhone(st, t, ctx, cfg, out);
  close(st, cfg, out);
}
