// Codec hot path (gateway validates every uplink): decode+validate of a 60 s batch
// (1 Hz GPS + 25 Hz accel) vs a bare protobufjs decode, the gateway's one-pass check (checkDeviceBatch)
// vs that full decode+validate, on the 60 s batch and on the bench's small MQTT batch, and the size vs JSON.
// And the scorer's read of a record (decodeRecordColumns: the one-pass scan writing the columns) vs the full
// decode+validate of the same record followed by the *Columns functions (what the scorer did before).
import {
  checkDeviceBatch,
  columnsOfRecord,
  decodeDeviceBatch,
  decodeRecordColumns,
  decodeTelemetryRecord,
  encodeDeviceBatch,
  encodeTelemetryRecord,
  fleetwire,
  packAccel,
  packGps,
} from '@fleetwire/proto';
import { benchPayload } from './lib-payload.js';
import { rate, report } from './lib.js';

const t0 = Date.now() - 120_000;
const gps = Array.from({ length: 60 }, (_, i) => ({
  t: t0 + i * 1000,
  lat: 52.52 + i * 1e-4,
  lon: 13.4 + i * 1.3e-4,
  speed: 13 + Math.sin(i / 5),
  heading: 80 + i / 10,
  hdop: 0.9,
  alt: 35,
}));
const accel = Array.from({ length: 1500 }, (_, i) => ({
  t: t0 + i * 40,
  x: Math.round(Math.sin(i / 9) * 200) / 1000,
  y: Math.round(Math.cos(i / 7) * 100) / 1000,
  z: 1 + ((i % 5) - 2) / 1000,
}));
const bytes = encodeDeviceBatch({ deviceId: 'dev-000001', bootId: 'b1', seq: 1, sentAtMs: t0 + 60_000, gps: packGps(gps), accel: packAccel(accel, 25) });
const json = Buffer.from(JSON.stringify({ gps, accel }));
const samples = gps.length + accel.length;

const bare = await rate(() => fleetwire.v1.DeviceBatch.decode(bytes), samples);
const full = await rate(() => {
  const r = decodeDeviceBatch(bytes);
  if (!r.ok) throw r.error;
}, samples);
const check = await rate(() => {
  const r = checkDeviceBatch(bytes);
  if (!r.ok) throw r.error;
}, samples);
const small = benchPayload('dev-000001', 1);
const smallFull = await rate(() => {
  if (!decodeDeviceBatch(small).ok) throw new Error('bench payload rejected');
}, 1);
const smallCheck = await rate(() => {
  if (!checkDeviceBatch(small).ok) throw new Error('bench payload rejected');
}, 1);
const enc = await rate(() => encodeDeviceBatch({ deviceId: 'dev-000001', bootId: 'b1', seq: 1, gps: packGps(gps), accel: packAccel(accel, 25) }), samples);
const jsonParse = await rate(() => JSON.parse(json.toString()), samples);
const record = encodeTelemetryRecord(
  { tenant: 'acme', deviceId: 'dev-000001', receivedAtMs: t0 + 60_500, gatewayId: 'gw-1', transport: 1, sourceFormat: 'batch' },
  bytes,
);
const recordFull = await rate(() => {
  const r = decodeTelemetryRecord(record);
  if (!r.ok) throw r.error;
  columnsOfRecord(r.value);
}, samples);
const recordColumns = await rate(() => {
  const r = decodeRecordColumns(record);
  if (!r.ok) throw r.error;
}, samples);

report({ bench: 'codec', metric: 'decode+validate', unit: 'samples/s', value: full, baseline: 'bare protobufjs decode', baselineValue: bare });
report({ bench: 'codec', metric: 'decode+validate', unit: 'samples/s', value: full, baseline: 'JSON.parse same data', baselineValue: jsonParse });
report({ bench: 'codec', metric: 'one-pass check (gateway)', unit: 'samples/s', value: check, baseline: 'decode+validate', baselineValue: full });
report({
  bench: 'codec',
  metric: `one-pass check, ${small.length} B MQTT bench batch`,
  unit: 'batches/s',
  value: smallCheck,
  baseline: 'decode+validate',
  baselineValue: smallFull,
});
report({
  bench: 'codec',
  metric: 'record to columns, one pass (scorer)',
  unit: 'samples/s',
  value: recordColumns,
  baseline: 'decode+validate of the record, then its columns',
  baselineValue: recordFull,
});
report({ bench: 'codec', metric: 'pack+encode', unit: 'samples/s', value: enc });
report({
  bench: 'codec',
  metric: 'bytes per 60 s batch',
  unit: 'bytes',
  value: bytes.length,
  baseline: 'same data as JSON',
  baselineValue: json.length,
  lowerIsBetter: true,
});
