// Scenario j on the shared test stack (it stops no server): the real-time scorer scaled out by consumer
// group, members killed, added and stopped under load. See scorer-group.ts; the figures go to the chaos
// table (results.json, README Reliability).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { scorerGroup } from './scorer-group.js';

describe('scorer consumer group', () => {
  it('j. 3 scorer processes on 6 partitions: one SIGKILLed, one added, one SIGTERMed during the rebalance; nothing lost or doubled, lag 0, results equal to one process', async () => {
    await scorerGroup();
    execFileSync(process.execPath, [fileURLToPath(new URL('./write-readme.mjs', import.meta.url))], { stdio: 'inherit' });
  }, 300_000);
});
