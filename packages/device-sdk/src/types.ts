// Public option, stats and event types of the device SDK.
import type { AccelSample, GpsSample, GyroSample, PhoneSample, PhoneStateName } from '@fleetwire/proto';
import type { OutboxStorage } from './adapters/storage.js';
import type { FleetwireError } from './errors.js';

export type { AccelSample, GpsSample, GyroSample, PhoneSample, PhoneStateName };

/**
 * A GPS fix: speed in m/s, heading in degrees, hdop unitless, alt in metres; `speedLimit` the posted limit at
 * the fix in m/s from the app's map SDK (0..80, omitted or 0 = unknown), sent with the batch.
 */
export type GpsRecord = GpsSample & { kind: 'gps' };
/** An accelerometer sample in g (device frame: x forward, y left, z up when mounted aligned). */
export type AccelRecord = AccelSample & { kind: 'accel' };
/** A gyroscope sample in deg/s, right-handed about the accelerometer's axes (Android SensorEvent / iOS rotationRate x 57.3). */
export type GyroRecord = GyroSample & { kind: 'gyro' };
/**
 * What the app sees of the phone: 'screen_on' | 'screen_off' | 'unlocked' | 'locked' | 'call_start' | 'call_end' |
 * 'handling' (a touch gesture in the app). Transitions only; no rate limit applies.
 */
export type PhoneRecord = PhoneSample & { kind: 'phone' };
export type SampleRecord = GpsRecord | AccelRecord | GyroRecord | PhoneRecord;

/**
 * `'fsync-per-batch'`: SQLite synchronous=FULL, every group commit is fsynced (survives power loss).
 * `'normal'`: synchronous=NORMAL in WAL mode, survives a process kill but the last commits may be lost on
 * power loss or an OS crash. Faster on slow flash.
 */
export type Durability = 'fsync-per-batch' | 'normal';

/**
 * Where the outbox lives. A promise of an OutboxStorage (e.g. `openOpfsStorage()` not awaited) lets the client
 * connect while the storage opens; createClient still resolves only once the outbox is open.
 */
export type StorageOption = { path: string } | { memory: true } | OutboxStorage | PromiseLike<OutboxStorage>;

export interface BatchOptions {
  /** Seal a batch at least this often while samples are pending. 1000..60000, default 5000. */
  intervalMs?: number;
  /** Largest encoded DeviceBatch. 1024..512 KiB, default 64 KiB. */
  maxBytes?: number;
  /** Most samples (gps + accel + events) per batch. 1..20000, default 10000. */
  maxSamples?: number;
}

export interface RetentionOptions {
  /** Outbox quota in bytes (sealed batch bytes + pending sample bytes). >= 64 KiB, default 256 MiB. */
  maxBytes?: number;
  /** Sealed batches and pending chunks older than this (by storage time) are dropped. Default 7 days. */
  maxAgeMs?: number;
}

export interface DetectionOptions {
  /** Thresholds in milli-g on the gravity-free signal. Defaults 350 / 300 / 400. */
  harshBrakingMg?: number;
  harshAccelerationMg?: number;
  harshCorneringMg?: number;
  /** The threshold must be exceeded this long to count. Default 200 ms. */
  minDurationMs?: number;
  /** Time constant of the low-pass gravity estimate. Default 2000 ms. */
  gravityTimeConstantMs?: number;
  /** A trip starts after speed >= tripStartSpeed (m/s) for tripStartHoldMs. Defaults 3 m/s, 5000 ms. */
  tripStartSpeed?: number;
  tripStartHoldMs?: number;
  /** A trip ends after speed < tripStopSpeed (m/s) for tripStopHoldMs. Defaults 1 m/s, 180000 ms. */
  tripStopSpeed?: number;
  tripStopHoldMs?: number;
  /** Speeding events above this speed in m/s held for speedingHoldMs (default 5000). 0 = off (default). */
  speedLimit?: number;
  speedingHoldMs?: number;
  /**
   * The gyroscope's sense of rotation relative to the accelerometer's axes. 'learn' (default): checked against
   * GPS once both give a clear mount; without GPS the axes are taken as right-handed (as Android, iOS and the
   * W3C sensor APIs document). 'left' for an IMU whose gyroscope turns the other way (some dongle IMUs and
   * recorders): its samples are negated when recorded, so the outbox, the wire and the scorer get them
   * right-handed as the wire defines; without it such a device with no GPS reads its mount backwards.
   */
  gyroHandedness?: 'learn' | 'right' | 'left';
  /** Crash detection on the accelerometer (needs >= 50 Hz): on by default with detection; false = off. */
  crash?: boolean | CrashOptions;
  /** Phone use while moving (app states + IMU handling) as PHONE_USE events: on by default; false = off. */
  phoneUse?: boolean | PhoneUseOptions;
}

export interface CrashOptions {
  /** Presets of impact threshold / pulse / delta-V: 'low' 4 g, 60 ms, 8 km/h; 'normal' (default) 2.5 g, 40 ms, 5 km/h; 'high' 2 g, 30 ms, 3 km/h. */
  sensitivity?: 'low' | 'normal' | 'high';
  /** Override of the preset's impact threshold (g, 1..20). */
  impactG?: number;
  /** Speed before the impact at least (km/h, default 15) and a stop (<= 5 km/h) within stopWithinMs (default 10000). */
  minSpeedKmh?: number;
  stopWithinMs?: number;
  /** Data window of the CRASH event before the impact (ms, default 10000, at most 20000). */
  windowBeforeMs?: number;
}

export interface PhoneUseOptions {
  /** Counted above this speed (m/s, default 3) and from this much moving time (ms, default 3000). */
  minSpeedMs?: number;
  minUseMs?: number;
}

/** What the client's 'crash' event tells the app (e.g. to ask the driver "are you OK?"). */
export interface CrashInfoEvent {
  /** Impact time (epoch ms) and when the stop confirmed it. */
  impactAtMs: number;
  confirmedAtMs: number;
  peakG: number;
  deltaVKmh: number;
  /** Vehicle frame, degrees (0 forward, 90 left, 180 frontal), -1 unknown. */
  directionDeg: number;
  preSpeedKmh: number;
  lat: number;
  lon: number;
  /** seq of the batch that carries it (published at once, ahead of any backlog). */
  seq: number;
}

/** TLS for mqtts:// (Node). In browsers and React Native the platform's trust store applies to wss://. */
export interface TlsOptions {
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  /** Default true. Set false only for tests. */
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface ReconnectOptions {
  /** First retry delay. Default 500 ms. */
  initialDelayMs?: number;
  /** Cap of the exponential delay. Default 30000 ms. */
  maxDelayMs?: number;
  /** Growth factor per failed attempt. Default 2. */
  multiplier?: number;
  /** Fraction of the delay randomised away (0..1). Default 0.5. */
  jitter?: number;
}

export interface SampleRateOptions {
  /** Keep at most this many GPS fixes per second (decimation); 0 = keep all (default). */
  gpsHz?: number;
  /** Keep at most this many accelerometer samples per second; 0 = keep all. Also sent as AccelTrack.rate_hz. */
  accelHz?: number;
  /** Keep at most this many gyroscope samples per second; 0 = keep all. Also sent as GyroTrack.rate_hz. */
  gyroHz?: number;
}

/** MQTT CONNECT credentials (username and password, e.g. a device token). */
export interface Credentials {
  username: string;
  password: string;
}

/** Why the SDK asks for credentials: first connect, reconnect after a drop, or the last ones were refused. */
export interface CredentialsRequest {
  reason: 'connect' | 'reconnect' | 'refused';
  /** Connection attempt number since createClient (1 = first). */
  attempt: number;
  /** Consecutive refused logins (CONNACK 4/5) just before this request. */
  refusals: number;
}

/**
 * Fixed credentials, or a function called before every (re)connect: return fresh short-lived tokens from
 * your app backend (refresh when `reason === 'refused'`). May be async; `undefined` connects without.
 */
export type CredentialsOption = Credentials | ((req: CredentialsRequest) => Credentials | undefined | Promise<Credentials | undefined>);

export interface SuspendOptions {
  /** Wait up to this long for the broker to acknowledge what is sealed before disconnecting. Default 0. */
  timeoutMs?: number;
}

export interface ClientOptions {
  /** [A-Za-z0-9._:-]{1,128} */
  deviceId: string;
  /** [A-Za-z0-9._:-]{1,128} */
  tenant: string;
  /** mqtt://, mqtts://, ws:// or wss:// */
  url: string;
  credentials?: CredentialsOption;
  storage: StorageOption;
  batch?: BatchOptions;
  retention?: RetentionOptions;
  /** Default 'fsync-per-batch'. Only for the built-in SQLite storage. */
  durability?: Durability;
  /** Edge detection of harsh events and trips; off unless given (true = defaults). */
  detection?: boolean | DetectionOptions;
  tls?: TlsOptions;
  reconnect?: ReconnectOptions;
  /** Batches published and not yet acknowledged at once. 1..256, default 8. */
  inFlight?: number;
  sampleRates?: SampleRateOptions;
  /** MQTT client id, default deviceId. */
  clientId?: string;
  /** Default 10000 ms. */
  connectTimeoutMs?: number;
  /** MQTT keepalive in seconds, default 30. */
  keepaliveSec?: number;
  /** Free text put into DeviceBatch.agent. */
  agent?: string;
}

export interface Stats {
  /** Samples accepted by record() in this process (after decimation). */
  recorded: number;
  /** Samples durably appended to the outbox in this process. */
  stored: number;
  /** Samples (and detected events) in the outbox not yet sealed into a batch. */
  pendingSamples: number;
  /** Sealed batches not yet acknowledged (includes in-flight ones). */
  sealedBatches: number;
  inFlight: number;
  /** Acknowledged (PUBACK) batches and the samples in them. */
  sent: { batches: number; samples: number };
  /** Dropped by retention or storage failures, oldest first. */
  dropped: { batches: number; samples: number };
  /** Samples skipped by sample-rate decimation. */
  decimated: number;
  /** Detected edge events appended to the outbox. */
  events: number;
  reconnects: number;
  connected: boolean;
  /** Between suspend() and resume(). */
  suspended: boolean;
  bootId: string;
  /** seq the next sealed batch will get. */
  nextSeq: number;
  /** Logical outbox size used for the quota. */
  outboxBytes: number;
  appliedConfigVersion: number;
  lastError: { code: string; message: string; at: number } | null;
}

export interface SentInfo {
  seq: number;
  bootId: string;
  samples: number;
  bytes: number;
}
export type DropReason = 'quota' | 'max_age' | 'storage_full' | 'storage_corrupt';
export interface DroppedInfo {
  reason: DropReason;
  batches: number;
  samples: number;
}
export interface ConnectedInfo {
  url: string;
  reconnects: number;
}

/** Settings in effect after applying a remote DeviceConfig. */
export interface AppliedConfig {
  version: number;
  issuedAtMs: number;
  batchIntervalMs: number;
  batchMaxBytes: number;
  gpsRateHz: number;
  accelRateHz: number;
  harshBrakingMg: number;
  harshAccelerationMg: number;
  harshCorneringMg: number;
  speedLimitCms: number;
}

export interface ClientEvents {
  connected: [ConnectedInfo];
  sent: [SentInfo];
  dropped: [DroppedInfo];
  config: [AppliedConfig];
  /** A crash was detected on the device (its batch is sealed and published at once). */
  crash: [CrashInfoEvent];
  error: [FleetwireError];
}
