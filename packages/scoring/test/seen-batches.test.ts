import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { batchKey } from '@fleetwire/proto';
import { hasSeen, markSeen, markSeenKeys, type SeenRuns, seenKeys } from '../src/core/seen-batches.js';

// The model the runs encode: the last `cap` keys processed, oldest first (the state's form before runs).
function modelMark(list: string[], key: string, cap: number): void {
  list.push(key);
  if (list.length > cap) list.splice(0, list.length - cap);
}

const key = (boot: string, seq: number) => batchKey('t', 'd', boot, seq);

describe('seen batches (run-length encoded recent keys)', () => {
  it('answers and evicts exactly as the list of the last N keys, for any order of boots and seqs', () => {
    const step = fc.record({ boot: fc.constantFrom('b1', 'b2', 'b/3:x'), seq: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(4294967295)) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), fc.integer({ min: 1, max: 70 }), (steps, cap) => {
        const runs: SeenRuns = [];
        const list: string[] = [];
        for (const { boot, seq } of steps) {
          const dup = hasSeen(runs, boot, seq);
          expect(dup).toBe(list.includes(key(boot, seq)));
          if (!dup) {
            markSeen(runs, boot, seq, cap);
            modelMark(list, key(boot, seq), cap);
          }
          expect(seenKeys(runs, 't', 'd')).toEqual(list);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a device sending seq 1, 2, 3, ... in one run of at most N keys', () => {
    const runs: SeenRuns = [];
    for (let s = 1; s <= 1000; s++) markSeen(runs, 'boot-1', s, 64);
    expect(runs).toEqual([['boot-1', 937, 64]]);
    markSeen(runs, 'boot-2', 1, 64);
    expect(runs).toEqual([
      ['boot-1', 938, 63],
      ['boot-2', 1, 1],
    ]);
    expect(JSON.stringify(runs).length).toBeLessThan(40);
  });

  it('reads string keys of both earlier forms, newest last, and drops keys that name no batch', () => {
    const runs: SeenRuns = [['b0', 1, 2]];
    markSeenKeys(runs, [key('b/1', 7), 'boot:a-1:8', key('b/1', 8), 'garbage', 'b:', 't/d/b/x', key('b0', 2)], 't', 'd', 64);
    expect(runs).toEqual([
      ['b0', 1, 2],
      ['b/1', 7, 1],
      ['boot:a-1', 8, 1],
      ['b/1', 8, 1],
    ]);
    const capped: SeenRuns = [];
    markSeenKeys(capped, [key('b', 1), key('b', 2), key('b', 3)], 't', 'd', 2);
    expect(capped).toEqual([['b', 2, 2]]);
  });
});
