import { describe, expect, it } from 'vitest';
import { TickBatcher } from '../src/core/tick-batcher.js';

describe('TickBatcher', () => {
  it('runs the calls of one event-loop turn as one batch and hands each caller its own answer', async () => {
    const batches: number[][] = [];
    const b = new TickBatcher<number, number>(async (xs) => (batches.push(xs), xs.map((x) => x * 10)), 100);
    const got = await Promise.all([1, 2, 3].map((x) => b.add(x)));
    expect(got).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await b.add(4)).toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('splits at maxBatch', async () => {
    const sizes: number[] = [];
    const b = new TickBatcher<number, number>(async (xs) => (sizes.push(xs.length), xs), 4);
    expect(await Promise.all(Array.from({ length: 10 }, (_, i) => b.add(i)))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('rejects every caller of a failed batch (thrown, rejected, or wrong answer count), and keeps working', async () => {
    let mode = 'throw';
    const b = new TickBatcher<number, number>((xs) => {
      if (mode === 'throw') throw new Error('sync boom');
      if (mode === 'reject') return Promise.reject(new Error('async boom'));
      if (mode === 'short') return Promise.resolve([1]);
      return Promise.resolve(xs);
    });
    await expect(Promise.all([b.add(1), b.add(2)])).rejects.toThrow('sync boom');
    mode = 'reject';
    await expect(b.add(1)).rejects.toThrow('async boom');
    mode = 'short';
    await expect(Promise.all([b.add(1), b.add(2)])).rejects.toThrow('batch answered 1 results for 2 items');
    mode = 'ok';
    expect(await b.add(7)).toBe(7);
    expect(() => new TickBatcher(async (x) => x, 0)).toThrow(RangeError);
  });
});
