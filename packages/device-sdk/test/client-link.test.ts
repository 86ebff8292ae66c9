// LinkRelay: what the link reports before the client attaches is replayed in order, then forwarded live.
import { describe, expect, it } from 'vitest';
import { LinkRelay } from '../src/client-link.js';
import { LinkError } from '../src/errors.js';

describe('LinkRelay', () => {
  it('holds reports until attach, replays them in order, then forwards', () => {
    const r = new LinkRelay();
    const seen: string[] = [];
    r.up();
    r.message('t/cfg', new Uint8Array([1]));
    r.error(new LinkError('connect_failed', 'x'));
    r.down();
    expect(seen).toEqual([]);
    r.attach({
      up: () => seen.push('up'),
      down: () => seen.push('down'),
      message: (t, p) => seen.push(`msg ${t} ${p.length}`),
      error: (e) => seen.push(`err ${e.code}`),
    });
    expect(seen).toEqual(['up', 'msg t/cfg 1', 'err connect_failed', 'down']);
    r.up();
    expect(seen.at(-1)).toBe('up');
    expect(seen).toHaveLength(5);
  });
});
