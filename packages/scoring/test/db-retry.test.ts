// retryWhileDown: the batch's wait for a dependency that is down, against a recording BatchControl. The pause it
// makes must be undone on every way out (the chaos suite's i2 found a member that stayed paused after a rebalance).
import { describe, expect, it } from 'vitest';
import type { BatchControl } from '../src/adapters/source.js';
import { retryWhileDown, type RetryHooks } from '../src/realtime/db-retry.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const rejected = () => Object.assign(new Error('new row violates check constraint'), { code: '23514' });

function control(running: () => boolean = () => true): BatchControl & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    isRunning: running,
    heartbeat: async () => void calls.push('heartbeat'),
    pause: () => void calls.push('pause'),
    resume: () => void calls.push('resume'),
  };
}

function hooks(log: string[]): RetryHooks {
  return {
    initialMs: 1,
    maxMs: 4,
    onRetry: (_e, first) => void log.push(first ? 'retry first' : 'retry'),
    onSuccess: (_ms, resumed) => void log.push(resumed ? 'ok resumed' : 'ok'),
    sleep: async () => undefined,
  };
}

/** fn failing with the given errors in turn, then answering 42. */
const failing = (...errs: Error[]) => {
  let n = 0;
  return async () => {
    if (n < errs.length) throw errs[n++]!;
    return 42;
  };
};

describe('retryWhileDown', () => {
  it('passes a first success through without pausing', async () => {
    const ctl = control();
    const log: string[] = [];
    await expect(retryWhileDown(ctl, failing(), hooks(log))).resolves.toBe(42);
    expect(ctl.calls).toEqual([]);
    expect(log).toEqual(['ok']);
  });

  it('pauses once while the dependency is down, retries, and resumes when it answers', async () => {
    const ctl = control();
    const log: string[] = [];
    await expect(retryWhileDown(ctl, failing(refused(), refused(), refused()), hooks(log))).resolves.toBe(42);
    expect(ctl.calls.filter((c) => c !== 'heartbeat')).toEqual(['pause', 'resume']);
    expect(log).toEqual(['retry first', 'retry', 'retry', 'ok resumed']);
  });

  it('resumes before throwing when the batch is no longer its own (rebalance, stop)', async () => {
    let running = true;
    const ctl = control(() => running);
    const fn = async () => {
      running = false; // the group rebalanced while the call was out
      throw refused();
    };
    await expect(retryWhileDown(ctl, fn, hooks([]))).rejects.toThrow('ECONNREFUSED');
    expect(ctl.calls).toEqual(['pause', 'resume']);
  });

  it('resumes before throwing when a transient failure turns into a rejection', async () => {
    const ctl = control();
    await expect(retryWhileDown(ctl, failing(refused(), rejected()), hooks([]))).rejects.toThrow('check constraint');
    expect(ctl.calls.filter((c) => c !== 'heartbeat')).toEqual(['pause', 'resume']);
  });

  it('throws a rejection at once, without pausing', async () => {
    const ctl = control();
    await expect(retryWhileDown(ctl, failing(rejected()), hooks([]))).rejects.toThrow('check constraint');
    expect(ctl.calls).toEqual([]);
  });
});
