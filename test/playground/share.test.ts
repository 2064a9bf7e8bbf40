// Share links of the playground: the page state round-trips through the URL hash.
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, fromBase64Url, toBase64Url } from '../../runtime/apps/playground/src/share.ts';
import { readFileSync } from 'node:fs';

describe('playground share links', () => {
  it('base64url round-trips every byte value', () => {
    const bytes = Uint8Array.from({ length: 256 * 3 + 1 }, (_, i) => (i * 7) % 256);
    const text = toBase64Url(bytes);
    expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
    expect([...fromBase64Url(text)]).toEqual([...bytes]);
  });

  it('a cell and its settings survive the hash, compressed', async () => {
    const a = readFileSync(new URL('../../dsl-examples/lstm.cell', import.meta.url), 'utf8') + '\n# ünïcode ⊙ σ\n';
    const state = { a, b: 'cell X(x[I]) {}', task: 'sine', sizes: 'H=8', T: 10, B: 8, steps: 30, lr: 0.02, seed: 7 };
    const hash = await encodeState(state);
    expect(hash).toMatch(/^#s=[A-Za-z0-9_-]+$/);
    expect(hash.length).toBeLessThan(a.length); // deflated
    expect(await decodeState(hash)).toEqual(state);
  });

  it('ignores hashes that hold no state', async () => {
    expect(await decodeState('')).toBeUndefined();
    expect(await decodeState('#section')).toBeUndefined();
    expect(await decodeState('#s=not-deflate')).toBeUndefined();
    expect(await decodeState(`#u=${toBase64Url(new TextEncoder().encode('{"b":1}'))}`)).toBeUndefined();
    expect(await decodeState(`#u=${toBase64Url(new TextEncoder().encode('{"a":"cell"}'))}`)).toEqual({ a: 'cell' });
  });
});
