/** Reads a .gpx or .csv recording from disk with clear errors. */
import { readFile, stat } from 'node:fs/promises';
import { parseCsv } from './core/csv.js';
import { parseGpx } from './core/gpx.js';
import { MAX_RECORDING_BYTES, RecordingParseError, type RecordedTrack } from './core/recording.js';

export async function loadRecording(file: string): Promise<RecordedTrack> {
  const lower = file.toLowerCase();
  const kind = lower.endsWith('.gpx') ? 'gpx' : lower.endsWith('.csv') ? 'csv' : null;
  if (!kind) throw new RecordingParseError('unknown_format', 'unknown recording type: the file name must end in .gpx or .csv', undefined, file);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new RecordingParseError('unreadable', `cannot read file: ${(e as Error).message}`, undefined, file);
  }
  if (size > MAX_RECORDING_BYTES) throw new RecordingParseError('too_large', `file is ${size} bytes, limit ${MAX_RECORDING_BYTES}`, undefined, file);
  const text = await readFile(file, 'utf8');
  return kind === 'gpx' ? parseGpx(text, file) : parseCsv(text, file);
}
