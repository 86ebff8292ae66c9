// Child process of sdk-wire-budget.ts: one device running the SDK (better-sqlite3 outbox, default
// settings plus the phone rates of the example app) against the gateway behind the parent's counting
// proxy, so its CPU is its own. Argument: a JSON job. Prints one JSON result line.
//   replay    an hour of driving (the samples file) as fast as it goes, one batch per `windowMs` of sample
//             time: record(window) then flush() seals it, as the batch interval would at real time
//   realtime  `seconds` of the drive at real time from now: pattern 'event' = record(one) per sensor
//             sample as it comes (what a sensor callback does), 'array' = record(array) once a second,
//             'none' = the same feeding loop without the SDK (the harness's own CPU)
//   connect   connect, wait for the session, close: the bytes of one (re)connect
import fs from 'node:fs';
import { createClient, type SampleRecord } from '@fleetwire/device-sdk';

interface Job {
  mode: 'replay' | 'realtime' | 'connect';
  url: string;
  deviceId: string;
  tenant: string;
  token: string;
  db: string;
  ca?: string;
  samplesFile?: string;
  windowMs?: number;
  intervalMs?: number;
  seconds?: number;
  pattern?: 'event' | 'array' | 'none';
}

const job = JSON.parse(process.argv[2]!) as Job;
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function main(): Promise<Record<string, unknown>> {
  const samples: SampleRecord[] = job.samplesFile ? (JSON.parse(fs.readFileSync(job.samplesFile, 'utf8')) as SampleRecord[]) : [];
  if (job.mode === 'realtime' && job.pattern === 'none') return feed(samples, null);
  const client = await createClient({
    deviceId: job.deviceId,
    tenant: job.tenant,
    url: job.url,
    storage: { path: job.db },
    credentials: { username: job.deviceId, password: job.token },
    sampleRates: { gpsHz: 1, accelHz: 50 },
    detection: true,
    ...(job.intervalMs ? { batch: { intervalMs: job.intervalMs } } : {}),
    ...(job.ca ? { tls: { ca: fs.readFileSync(job.ca) } } : {}),
  });
  const errors: string[] = [];
  client.on('error', (e) => errors.push(e.code));
  let sentBytes = 0;
  client.on('sent', (s) => (sentBytes += s.bytes));
  await new Promise((r) => client.once('connected', r));
  if (job.mode === 'connect') {
    await client.close();
    return { errors };
  }
  if (job.mode === 'realtime') {
    const r = await feed(samples, client);
    await client.close();
    return { ...r, errors };
  }
  const window = job.windowMs!;
  const t0 = samples[0]!.t;
  const c0 = cpu();
  const w0 = performance.now();
  const flushes: Promise<void>[] = [];
  for (let i = 0; i < samples.length;) {
    const end = t0 + (Math.floor((samples[i]!.t - t0) / window) + 1) * window;
    let j = i;
    while (j < samples.length && samples[j]!.t < end) j++;
    const part = samples.slice(i, j);
    await client.record(part);
    // flush() seals everything pending synchronously (one batch: this window), then waits for the PUBACK;
    // the waits overlap (up to inFlight batches unacknowledged), as at real time.
    flushes.push(client.flush({ timeoutMs: 300_000 }));
    i = j;
  }
  await Promise.all(flushes);
  const cpuUs = cpu() - c0;
  const wallMs = performance.now() - w0;
  const st = client.stats();
  await client.close();
  return {
    cpuUs,
    wallMs,
    sentBytes,
    batches: st.sent.batches,
    sentRows: st.sent.samples,
    recorded: st.recorded,
    events: st.events,
    decimated: st.decimated,
    errors,
  };
}

/** Feeds the samples at real time from now (timestamps shifted), for job.seconds. */
async function feed(samples: SampleRecord[], client: Awaited<ReturnType<typeof createClient>> | null): Promise<Record<string, unknown>> {
  const shift = Date.now() - samples[0]!.t;
  const until = Date.now() + job.seconds! * 1000;
  let i = 0;
  let buffered: SampleRecord[] = [];
  let lastArray = Date.now();
  let calls = 0;
  const pending: Promise<void>[] = [];
  const c0 = cpu();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = Date.now();
      while (i < samples.length && samples[i]!.t + shift <= now) {
        const s = { ...samples[i]!, t: samples[i]!.t + shift };
        i++;
        if (job.pattern === 'event') {
          pending.push(client!.record(s));
          calls++;
        } else buffered.push(s);
      }
      if (job.pattern === 'array' && now - lastArray >= 1000) {
        pending.push(client!.record(buffered));
        calls++;
        buffered = [];
        lastArray = now;
      } else if (job.pattern === 'none' && now - lastArray >= 1000) {
        buffered = [];
        lastArray = now;
      }
      if (now >= until) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  if (client && buffered.length) pending.push(client.record(buffered));
  await Promise.all(pending);
  if (client) await client.flush({ timeoutMs: 30_000 });
  return { cpuUs: cpu() - c0, fed: i, calls };
}

main().then(
  (r) => {
    console.log(JSON.stringify(r));
    process.exit(0);
  },
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
