/**
 * Fleet runner: N virtual devices, each a real device-SDK client (own SQLite outbox in the data dir)
 * recording a synthetic or replayed drive paced by a shared virtual clock; optional connection churn and
 * offline windows through a loopback network shaper; progress callbacks and a summary from every
 * client's stats().
 */
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createClient, type ClientOptions, type FleetwireClient, type Stats } from '@fleetwire/device-sdk';
import { identityKey } from '@fleetwire/proto';
import { NetworkShaper } from './adapters/net-shaper.js';
import { chunkMsFor, planFleet, virtualStartFor, type DevicePlan } from './core/fleet-plan.js';
import { synthesizeDrive } from './core/drive.js';
import { generateCity, type CityOptions, type RoadGraph } from './core/road-graph.js';
import { getProfile, type ProfileName } from './core/profiles.js';
import { Rng } from './core/prng.js';
import { realTime, VirtualClock, warp, type TimeSource } from './core/clock.js';
import { replayDrive } from './core/replay.js';
import type { RecordedTrack } from './core/recording.js';
import type { SampleChunk } from './core/samples.js';
import { DEFAULT_PORTS, parseGatewayUrl } from './gateway-url.js';
import { emptyTotals, type FleetProgress, type FleetSummary, type DeviceSummary } from './summary.js';

export { parseGatewayUrl };
export type Credentials = { username: string; password: string };

export interface FleetOptions {
  devices: number;
  /** Virtual/real time ratio; Infinity = as fast as the SDK accepts data. */
  speedup: number;
  /** Simulated drive length per device, ms. */
  durationMs: number;
  /** mqtt://, mqtts://, ws:// or wss:// */
  gatewayUrl: string;
  /** Tenant of every device, unless `tenants` is given. */
  tenant: string;
  /**
   * Spread the devices over these tenants (round robin) with ids numbered within each tenant, so they overlap:
   * every tenant has its `<prefix>0001`. Outboxes then live in `<dataDir>/t-<tenant>/<id>.db`.
   */
  tenants?: readonly string[];
  /** One SQLite outbox per device is created here. */
  dataDir: string;
  /** MQTT credentials per device (e.g. a minted token); none when omitted or undefined. */
  credentialsFor?: (deviceId: string, tenant: string) => Credentials | undefined | Promise<Credentials | undefined>;
  /** Replay this recording on every device instead of synthesizing drives. */
  replay?: RecordedTrack;
  /** Connection drops per device per real minute (0 = none). */
  churn?: number;
  /** Each device goes offline once for this many real ms (0 = never). */
  offlineMs?: number;
  seed?: string | number;
  deviceIdPrefix?: string;
  profileMix?: ReadonlyArray<readonly [ProfileName, number]>;
  accelRateHz?: number;
  gpsRateHz?: number;
  city?: Partial<CityOptions>;
  /** Virtual epoch ms of the drives' start (default: so they end at the real end of the run). */
  startMs?: number;
  /** After the drives end, how long to wait for every batch to be acknowledged. Default 60 s. */
  drainTimeoutMs?: number;
  /** Device starts are spread over this many real ms. Default min(5 s, 5 ms × devices). */
  rampUpMs?: number;
  /** Extra SDK options for every client (batch, durability, tls, reconnect, ...). */
  client?: Partial<Omit<ClientOptions, 'deviceId' | 'tenant' | 'url' | 'storage' | 'credentials'>>;
  /**
   * Run only the devices whose plan index i has i % count === index (one process or thread of a fleet split
   * over several). Ids, profiles and drives are those of the whole fleet. Give every shard the same startMs.
   */
  shard?: { index: number; count: number };
  onProgress?: (p: FleetProgress) => void;
  progressIntervalMs?: number;
  signal?: AbortSignal;
  time?: TimeSource;
}

interface Device {
  plan: DevicePlan;
  client: FleetwireClient | null;
  generated: { gps: number; accel: number };
  rejected: number;
  errors: Map<string, number>;
  truth: Map<string, number>;
  done: boolean;
  /** Drive finished (now draining). Offline windows only apply before this. */
  drained: boolean;
  /** Virtual time this device's drive has reached. */
  reachedMs: number;
  final?: Stats;
}

/** The network shaper's key of a device: its identity, since ids repeat across tenants. */
const netKey = (p: DevicePlan): string => identityKey(p.tenant, p.deviceId);

export async function runFleet(o: FleetOptions): Promise<FleetSummary> {
  const url = parseGatewayUrl(o.gatewayUrl);
  if (!(o.speedup > 0)) throw new RangeError(`speedup must be > 0, got ${o.speedup}`);
  if (!(o.durationMs > 0)) throw new RangeError(`duration must be > 0, got ${o.durationMs}`);
  const churn = o.churn ?? 0;
  if (!(churn >= 0 && churn <= 60)) throw new RangeError(`churn must be in [0, 60] drops per device per minute, got ${churn}`);
  const offlineMs = o.offlineMs ?? 0;
  if (!(offlineMs >= 0)) throw new RangeError(`offline must be >= 0 ms, got ${offlineMs}`);
  const time = o.time ?? realTime;
  const seed = o.seed ?? 'fleetwire';
  const wallMs = Number.isFinite(o.speedup) ? o.durationMs / o.speedup : 0;
  const sh = o.shard ?? { index: 0, count: 1 };
  if (!(Number.isInteger(sh.count) && sh.count >= 1 && Number.isInteger(sh.index) && sh.index >= 0 && sh.index < sh.count))
    throw new RangeError(`bad shard ${sh.index}/${sh.count}`);
  const multi = !!o.tenants && o.tenants.length > 0;
  const plans = planFleet({
    devices: o.devices,
    seed,
    prefix: o.deviceIdPrefix,
    tenants: multi ? o.tenants : [o.tenant],
    profileMix: o.profileMix,
    offlineMs,
    expectedWallMs: Math.max(wallMs, offlineMs * 2),
  }).filter((p) => p.index % sh.count === sh.index);
  const graph: RoadGraph | null = o.replay ? null : generateCity(o.city);
  const startReal = time.now();
  const startMs = o.startMs ?? virtualStartFor(startReal, o.durationMs, o.speedup);
  const clock = new VirtualClock(startMs, o.speedup, time);
  const chunkMs = chunkMsFor(o.speedup);
  await mkdir(o.dataDir, { recursive: true });

  const shaper = churn > 0 || offlineMs > 0 ? new NetworkShaper(url.hostname, Number(url.port) || DEFAULT_PORTS[url.protocol]!) : null;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const devices: Device[] = plans.map((plan) => ({
    plan,
    client: null,
    generated: { gps: 0, accel: 0 },
    rejected: 0,
    errors: new Map(),
    truth: new Map(),
    done: false,
    drained: false,
    reachedMs: startMs,
  }));
  const timers: NodeJS.Timeout[] = [];
  const rng = new Rng(`net:${seed}`);

  const progress = (): FleetProgress => {
    const t = emptyTotals();
    let connected = 0;
    for (const d of devices) {
      t.generated += d.generated.gps + d.generated.accel;
      t.rejected += d.rejected;
      const s = d.final ?? d.client?.stats();
      if (!s) continue;
      if (s.connected) connected++;
      t.recorded += s.recorded;
      t.sentSamples += s.sent.samples;
      t.sentBatches += s.sent.batches;
      t.droppedSamples += s.dropped.samples;
      t.pendingSamples += s.pendingSamples;
      t.reconnects += s.reconnects;
    }
    // Mean simulated time the devices have actually reached (lags the clock when the host is saturated).
    const reached = devices.length === 0 ? o.durationMs : devices.reduce((a, d) => a + (d.done ? o.durationMs : d.reachedMs - startMs), 0) / devices.length;
    return {
      ...t,
      devices: devices.length,
      connected,
      finished: devices.filter((d) => d.done).length,
      elapsedMs: time.now() - startReal,
      simulatedMs: reached,
    };
  };
  if (o.onProgress) {
    const every = o.progressIntervalMs ?? 1000;
    timers.push(setInterval(() => o.onProgress!(progress()), every));
  }

  try {
    if (shaper && churn > 0) {
      const tickMs = 1000;
      const p = 1 - Math.exp((-churn * tickMs) / 60_000);
      timers.push(
        setInterval(() => {
          for (const d of devices) if (!d.done && rng.chance(p)) shaper.cut(netKey(d.plan));
        }, tickMs),
      );
    }
    const ramp = o.rampUpMs ?? Math.min(5000, 5 * devices.length);
    // A device that cannot even start (bad options, unusable data dir) stops the whole run.
    const runs = devices.map((d, i) =>
      runDevice(d, ramp > 0 ? (i / devices.length) * ramp : 0).catch((e: unknown) => {
        stop.abort();
        throw e;
      }),
    );
    const results = await Promise.allSettled(runs);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    for (const t of timers) clearInterval(t);
    o.signal?.removeEventListener('abort', onAbort);
    await Promise.all(devices.flatMap((d) => (d.client ? [d.client.close().catch(() => undefined)] : [])));
    await shaper?.close();
  }
  const summary = summarize();
  o.onProgress?.(progress());
  return summary;

  async function runDevice(d: Device, delayMs: number): Promise<void> {
    if (delayMs > 0) await time.sleep(delayMs, stop.signal);
    if (stop.signal.aborted) return void (d.done = true);
    const id = d.plan.deviceId;
    const tenant = d.plan.tenant;
    let deviceUrl = o.gatewayUrl;
    const tls = { ...(o.client?.tls ?? {}) };
    if (shaper) {
      const port = await shaper.addDevice(netKey(d.plan));
      const u = new URL(o.gatewayUrl);
      if (!tls.servername && !/^[\d.:[\]]+$/.test(u.hostname)) tls.servername = u.hostname;
      u.hostname = '127.0.0.1';
      u.port = String(port);
      deviceUrl = u.toString();
      scheduleOffline(d);
    }
    const credentials = o.credentialsFor ? await o.credentialsFor(id, tenant) : undefined;
    const file = multi ? path.join(o.dataDir, `t-${tenant}`, `${id}.db`) : path.join(o.dataDir, `${id}.db`);
    if (multi) await mkdir(path.dirname(file), { recursive: true });
    const client = await createClient({
      durability: 'normal',
      reconnect: { initialDelayMs: 200, maxDelayMs: 5000 },
      ...o.client,
      ...(Object.keys(tls).length > 0 ? { tls } : {}),
      deviceId: id,
      tenant,
      url: deviceUrl,
      storage: { path: file },
      ...(credentials ? { credentials } : {}),
    });
    d.client = client;
    client.on('error', (e) => d.errors.set(e.code, (d.errors.get(e.code) ?? 0) + 1));
    try {
      for await (const chunk of warp(source(d.plan), clock, stop.signal)) {
        d.reachedMs = chunk.toMs;
        for (const e of chunk.events) d.truth.set(e.type, (d.truth.get(e.type) ?? 0) + 1);
        if (chunk.samples.length === 0) continue;
        for (const s of chunk.samples) d.generated[s.kind]++;
        try {
          await client.record(chunk.samples);
        } catch (e) {
          d.rejected += chunk.samples.length;
          const code = (e as { code?: string }).code ?? 'record_failed';
          d.errors.set(code, (d.errors.get(code) ?? 0) + 1);
        }
      }
      d.drained = true;
      if (shaper) shaper.setOffline(netKey(d.plan), false);
      if (!stop.signal.aborted) {
        await client.flush({ timeoutMs: o.drainTimeoutMs ?? 60_000 }).catch((e: { code?: string }) => {
          d.errors.set(e.code ?? 'flush_failed', (d.errors.get(e.code ?? 'flush_failed') ?? 0) + 1);
        });
      }
    } finally {
      d.final = client.stats();
      d.done = true;
    }
  }

  function source(plan: DevicePlan): Iterable<SampleChunk> {
    if (o.replay) return replayDrive(o.replay, { startMs, durationMs: o.durationMs, chunkMs, accelRateHz: o.accelRateHz, seed: plan.seed });
    return synthesizeDrive({
      graph: graph!,
      profile: getProfile(plan.profile),
      seed: plan.seed,
      startMs,
      durationMs: o.durationMs,
      chunkMs,
      accelRateHz: o.accelRateHz,
      gpsRateHz: o.gpsRateHz,
    });
  }

  function scheduleOffline(d: Device): void {
    const w = d.plan.offline;
    if (!w || !shaper) return;
    const elapsed = time.now() - startReal;
    timers.push(setTimeout(() => !d.drained && shaper.setOffline(netKey(d.plan), true), Math.max(0, w.startMs - elapsed)));
    timers.push(setTimeout(() => shaper.setOffline(netKey(d.plan), false), Math.max(0, w.endMs - elapsed)));
  }

  function summarize(): FleetSummary {
    const per: DeviceSummary[] = devices.map((d) => {
      const s = d.final;
      return {
        tenant: d.plan.tenant,
        deviceId: d.plan.deviceId,
        profile: o.replay ? 'replay' : d.plan.profile,
        generated: d.generated.gps + d.generated.accel,
        recorded: s?.recorded ?? 0,
        sentSamples: s?.sent.samples ?? 0,
        sentBatches: s?.sent.batches ?? 0,
        droppedSamples: s?.dropped.samples ?? 0,
        pendingSamples: s?.pendingSamples ?? 0,
        sealedUnacked: s?.sealedBatches ?? 0,
        rejected: d.rejected,
        reconnects: s?.reconnects ?? 0,
        errors: Object.fromEntries(d.errors),
        truth: Object.fromEntries(d.truth),
      };
    });
    const p = progress();
    const errors: Record<string, number> = {};
    const truth: Record<string, number> = {};
    for (const d of per) {
      for (const [k, v] of Object.entries(d.errors)) errors[k] = (errors[k] ?? 0) + v;
      for (const [k, v] of Object.entries(d.truth)) truth[k] = (truth[k] ?? 0) + v;
    }
    return {
      devices: devices.length,
      simulatedMs: o.durationMs,
      wallMs: time.now() - startReal,
      virtualStartMs: startMs,
      generated: p.generated,
      generatedGps: devices.reduce((a, d) => a + d.generated.gps, 0),
      generatedAccel: devices.reduce((a, d) => a + d.generated.accel, 0),
      recorded: p.recorded,
      sentSamples: p.sentSamples,
      sentBatches: p.sentBatches,
      droppedSamples: p.droppedSamples,
      rejected: p.rejected,
      unsent: per.reduce((a, d) => a + Math.max(0, d.recorded - d.sentSamples - d.droppedSamples), 0),
      reconnects: p.reconnects,
      complete: per.every((d) => d.sentSamples + d.droppedSamples >= d.recorded && d.rejected === 0) && !stop.signal.aborted,
      aborted: stop.signal.aborted,
      network: shaper ? { ...shaper.stats } : null,
      errors,
      truth,
      perDevice: per,
    };
  }
}
