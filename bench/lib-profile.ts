// A V8 CPU profile of one part of a bench (node:inspector), written when FW_BENCH_PROFILE_DIR is set.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

export async function startProfile(): Promise<{ stop(name: string): Promise<void> } | undefined> {
  const dir = process.env.FW_BENCH_PROFILE_DIR;
  if (!dir) return undefined;
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await s.post('Profiler.stop');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, name), JSON.stringify(profile));
      s.disconnect();
    },
  };
}
