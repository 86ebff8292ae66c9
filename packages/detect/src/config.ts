// Tunables of the detection core, their defaults and where the defaults come from (see README.md).
// Accelerations are milli-g (1 g = 9.80665 m/s²), speeds m/s, times ms.

export const G = 9.80665;

export interface DetectConfig {
  /** Harsh-event thresholds: an episode starts at this level (milli-g). */
  harshBrakingMg: number;
  harshAccelerationMg: number;
  harshCorneringMg: number;
  /** Severity levels as multiples of nothing: absolute milli-g where an event becomes medium / high. */
  brakingMediumMg: number;
  brakingHighMg: number;
  accelerationMediumMg: number;
  accelerationHighMg: number;
  corneringMediumMg: number;
  corneringHighMg: number;
  /** Plausibility: a peak above these is not a car manoeuvre (sensor knock, phone handled, GPS artefact); rejected. */
  maxBrakingMg: number;
  maxAccelerationMg: number;
  maxCorneringMg: number;
  /** An IMU episode must stay over threshold this long (ms); GPS episodes need one fix interval. */
  minImuEventMs: number;
  /** Episode continues while the value stays above threshold x hysteresis. */
  hysteresis: number;

  /** GPS: fixes with hdop above this are not used for derivatives (0 = hdop unknown = usable). */
  maxHdop: number;
  /** Longest fix interval a speed derivative or a course rate is taken over (ms). */
  maxFixGapMs: number;
  /** Lateral acceleration from GPS: course change taken over this window (ms) ... */
  courseWindowMs: number;
  /** ... and only when the course turned at least this much in it (degrees): heading noise is not a turn. */
  minTurnDeg: number;
  /** Course is ignored below this speed (m/s): it is noise when slow. */
  minCourseSpeedMs: number;
  /** A single fix whose course differs from both neighbours by more than this while they agree is a spike (deg). */
  courseSpikeDeg: number;

  /** IMU: gravity low-pass time constant (ms). */
  gravityTauMs: number;
  /** Smoothing of the horizontal (manoeuvre) acceleration (ms); removes road-bump spikes. */
  smoothTauMs: number;
  /** Orientation: excitation (sum of (m/s²)² x s of GPS acceleration) needed before IMU events are trusted. */
  orientMinExcitation: number;
  /** ... the agreement between IMU and GPS acceleration (0..1) needed ... */
  orientMinQuality: number;
  /** ... and the estimate's signal-to-noise ratio (5: about 11 degrees, one sigma). */
  orientMinZ: number;
  /** Memory of the orientation estimate in units of excitation (older evidence fades as new arrives). */
  orientMemory: number;
  /** The mount moved: gravity direction changed by more than this (deg) for mountChangeHoldMs. */
  mountChangeDeg: number;
  mountChangeHoldMs: number;

  /** Speeding: time above the applicable limit x (1 + speedingTolerance) + speedingMarginKmh counts. */
  speedingTolerance: number;
  speedingMarginKmh: number;
  /** A speeding episode becomes an event once it lasts this long (ms). */
  minSpeedingEventMs: number;
  /** Limits used when a fix carries none and no source knew one (km/h), by road type. */
  defaultLimitKmh: Readonly<Record<RoadType, number>>;

  /** Gyroscope: yaw rate is smoothed over this (ms); it drives cornering while samples arrive (gap below gyroMaxGapMs). */
  gyroSmoothTauMs: number;
  gyroMaxGapMs: number;

  /** Phone use: counted while the vehicle moves above this speed (m/s) ... */
  phoneMinSpeedMs: number;
  /** ... and an episode becomes a PHONE_USE event once it holds this much moving time (ms). */
  phoneMinUseMs: number;
  /** An app gesture (or unlock) keeps the phone "in use" this long (ms); screen off / lock ends it at once. */
  phoneGestureHoldMs: number;
  /** IMU handling keeps the phone "in use" this long (ms). */
  phoneHandlingHoldMs: number;
  /** Uses closer than this (ms) are one episode. */
  phoneMergeGapMs: number;
  /** IMU handling: the fast gravity tilts this far (deg) from the mount's, or the device turns this fast about a horizontal axis (deg/s, gyro). */
  phoneHandlingTiltDeg: number;
  phoneHandlingRateDps: number;

  /** Crash detection on the accelerometer: 0 = off (the scorer's default: crashes come from the edge), 1 = on. */
  crashDetection: number;
  /** Impact: horizontal acceleration (gravity removed) at or above this (milli-g) ... */
  crashImpactMg: number;
  /** ... for at least this long (ms; a sample counts at most 25 ms, so a slow IMU needs more samples) ... */
  crashMinPulseMs: number;
  /** ... with a speed change of the pulse of at least this (km/h). */
  crashMinDeltaVKmh: number;
  /** The vehicle moved at least this fast (km/h, GPS) before the impact ... */
  crashMinSpeedKmh: number;
  /** ... and came to a stop (GPS speed at or below crashStopSpeedKmh) within crashStopWithinMs after it. */
  crashStopSpeedKmh: number;
  crashStopWithinMs: number;
  /** Free fall (|a| below crashFreeFallMg for crashFreeFallMs) within 1.5 s before the impact: a dropped phone
   * unless the stop follows within crashDropStopMs (a crash decelerates faster than any braking). */
  crashFreeFallMg: number;
  crashFreeFallMs: number;
  crashDropStopMs: number;
}

/** Crash sensitivity presets: impact threshold, pulse length and delta-V (see README, Crash detection). */
export type CrashSensitivity = 'low' | 'normal' | 'high';
export const CRASH_SENSITIVITY: Readonly<Record<CrashSensitivity, Readonly<Pick<DetectConfig, 'crashImpactMg' | 'crashMinPulseMs' | 'crashMinDeltaVKmh'>>>> =
  Object.freeze({
    low: Object.freeze({ crashImpactMg: 4000, crashMinPulseMs: 60, crashMinDeltaVKmh: 8 }),
    normal: Object.freeze({ crashImpactMg: 2500, crashMinPulseMs: 40, crashMinDeltaVKmh: 5 }),
    high: Object.freeze({ crashImpactMg: 2000, crashMinPulseMs: 30, crashMinDeltaVKmh: 3 }),
  });

export type RoadType = 'motorway' | 'rural' | 'urban' | 'unknown';

export const DEFAULT_DETECT_CONFIG: Readonly<DetectConfig> = Object.freeze({
  harshBrakingMg: 320,
  harshAccelerationMg: 280,
  harshCorneringMg: 350,
  brakingMediumMg: 400,
  brakingHighMg: 500,
  accelerationMediumMg: 370,
  accelerationHighMg: 450,
  corneringMediumMg: 420,
  corneringHighMg: 500,
  maxBrakingMg: 1000,
  maxAccelerationMg: 700,
  maxCorneringMg: 1000,
  minImuEventMs: 300,
  hysteresis: 0.8,
  maxHdop: 5,
  maxFixGapMs: 3000,
  courseWindowMs: 3000,
  minTurnDeg: 15,
  minCourseSpeedMs: 5,
  courseSpikeDeg: 30,
  gravityTauMs: 4000,
  smoothTauMs: 250,
  orientMinExcitation: 15,
  orientMinQuality: 0.15,
  orientMinZ: 5,
  orientMemory: 400,
  mountChangeDeg: 25,
  mountChangeHoldMs: 2000,
  speedingTolerance: 0.1,
  speedingMarginKmh: 2,
  minSpeedingEventMs: 10_000,
  defaultLimitKmh: Object.freeze({ motorway: 120, rural: 90, urban: 50, unknown: 120 }),
  gyroSmoothTauMs: 250,
  gyroMaxGapMs: 1000,
  phoneMinSpeedMs: 3,
  phoneMinUseMs: 3000,
  phoneGestureHoldMs: 5000,
  phoneHandlingHoldMs: 2000,
  phoneMergeGapMs: 5000,
  phoneHandlingTiltDeg: 35,
  phoneHandlingRateDps: 40,
  crashDetection: 0,
  ...CRASH_SENSITIVITY.normal,
  crashMinSpeedKmh: 15,
  crashStopSpeedKmh: 5,
  crashStopWithinMs: 10_000,
  crashFreeFallMg: 350,
  crashFreeFallMs: 80,
  crashDropStopMs: 2000,
});

export class DetectConfigError extends Error {
  override readonly name = 'DetectConfigError';
}

/** Overrides of some tunables; defaultLimitKmh may name only some road types. */
export type DetectOverrides = Partial<Omit<DetectConfig, 'defaultLimitKmh'>> & { defaultLimitKmh?: Partial<Record<RoadType, number>> };

/** Merges overrides over the defaults; rejects nonsense with a message naming the value. */
export function resolveDetectConfig(overrides: DetectOverrides = {}): DetectConfig {
  const cfg: DetectConfig = {
    ...DEFAULT_DETECT_CONFIG,
    ...overrides,
    defaultLimitKmh: { ...DEFAULT_DETECT_CONFIG.defaultLimitKmh, ...overrides.defaultLimitKmh },
  };
  for (const [k, v] of Object.entries(cfg)) {
    if (k === 'defaultLimitKmh') continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new DetectConfigError(`detect config ${k}=${String(v)} must be a finite number >= 0`);
  }
  for (const [k, v] of Object.entries(cfg.defaultLimitKmh)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 300)
      throw new DetectConfigError(`detect config defaultLimitKmh.${k}=${String(v)} must be in (0, 300]`);
  }
  const order = (a: keyof DetectConfig, b: keyof DetectConfig) => {
    if ((cfg[a] as number) > (cfg[b] as number))
      throw new DetectConfigError(`detect config ${String(a)}=${String(cfg[a])} must not exceed ${String(b)}=${String(cfg[b])}`);
  };
  order('harshBrakingMg', 'brakingMediumMg');
  order('brakingMediumMg', 'brakingHighMg');
  order('brakingHighMg', 'maxBrakingMg');
  order('harshAccelerationMg', 'accelerationMediumMg');
  order('accelerationMediumMg', 'accelerationHighMg');
  order('accelerationHighMg', 'maxAccelerationMg');
  order('harshCorneringMg', 'corneringMediumMg');
  order('corneringMediumMg', 'corneringHighMg');
  order('corneringHighMg', 'maxCorneringMg');
  if (cfg.crashDetection !== 0 && cfg.crashDetection !== 1) throw new DetectConfigError(`detect config crashDetection=${cfg.crashDetection} must be 0 or 1`);
  if (cfg.crashImpactMg < 1000)
    throw new DetectConfigError(`detect config crashImpactMg=${cfg.crashImpactMg} must be at least 1000 (1 g: harsh braking reaches it)`);
  if (cfg.crashStopSpeedKmh >= cfg.crashMinSpeedKmh)
    throw new DetectConfigError(`detect config crashStopSpeedKmh=${cfg.crashStopSpeedKmh} must be below crashMinSpeedKmh=${cfg.crashMinSpeedKmh}`);
  if (cfg.hysteresis > 1) throw new DetectConfigError(`detect config hysteresis=${cfg.hysteresis} must be in [0, 1]`);
  if (cfg.orientMinQuality > 1) throw new DetectConfigError(`detect config orientMinQuality=${cfg.orientMinQuality} must be in [0, 1]`);
  return cfg;
}
