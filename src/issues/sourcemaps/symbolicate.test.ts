import { beforeAll, describe, expect, it } from 'vitest';

import type { Frame } from '../types.ts';
import { formatV8Stack, stackHeader } from './format.ts';
import { symbolicate } from './symbolicate.ts';
import { BUNDLE_URL, memoryLookup, minify, parseV8Frames, runUntilThrow, SHOP_SOURCES, type MinifiedBundle } from './testing.ts';

/** The frames that came from the bundle, after symbolication, as `function @ file:line`. */
function bundleFrames(before: Frame[], after: Frame[]): string[] {
  return after.filter((_, i) => before[i]!.file === BUNDLE_URL).map((f) => `${f.function} @ ${f.file}:${f.line}`);
}

describe('symbolicating minified JavaScript frames', () => {
  let bundle: MinifiedBundle;
  beforeAll(async () => {
    bundle = await minify(SHOP_SOURCES, 'src/checkout.ts');
  });

  it('turns a real minified stack into the original functions, files and lines', async () => {
    const error = runUntilThrow(bundle, BUNDLE_URL, 'checkout', [{ sku: 'A-1', quantity: 2 }]);
    const frames = parseV8Frames(error.stack!);
    expect(frames.at(-1)!.function).not.toBe('priceOf'); // really minified

    const result = await symbolicate(frames, '1.4.0', memoryLookup({ [BUNDLE_URL]: bundle.map }));

    expect(result.symbolicated).toBe(5);
    expect(bundleFrames(frames, result.frames)).toEqual([
      'checkout @ src/checkout.ts:14',
      'Object.applyDiscount @ src/checkout.ts:10',
      'placeOrder @ src/checkout.ts:4',
      'Cart.total @ src/cart.ts:10',
      'priceOf @ src/cart.ts:17',
    ]);
    expect(result.frames.at(-1)).toEqual({ function: 'priceOf', module: '', file: 'src/cart.ts', line: 17, column: 11, inApp: true });
  });

  it('marks frames from node_modules sources as not in app', async () => {
    const error = runUntilThrow(bundle, BUNDLE_URL, 'checkout', [{ sku: 'A-1', price: 3 }]);
    const { frames } = await symbolicate(parseV8Frames(error.stack!), '1.4.0', memoryLookup({ [BUNDLE_URL]: bundle.map }));
    expect(frames.at(-1)).toMatchObject({ function: 'roundCents', file: 'node_modules/money/index.js', line: 2, inApp: false });
    expect(frames.at(-2)).toMatchObject({ function: 'Cart.total', file: 'src/cart.ts', line: 11, inApp: true });
  });

  it('names functions after the identifier their caller used when the map has no source text', async () => {
    const bare = await minify(SHOP_SOURCES, 'src/checkout.ts', { sourcesContent: false });
    const error = runUntilThrow(bare, BUNDLE_URL, 'checkout', [{ sku: 'A-1', quantity: 2 }]);
    const frames = parseV8Frames(error.stack!);
    const result = await symbolicate(frames, '1.4.0', memoryLookup({ [BUNDLE_URL]: bare.map }));
    const names = bundleFrames(frames, result.frames);
    expect(names).toContain('priceOf @ src/cart.ts:17');
    expect(names).toContain('placeOrder @ src/checkout.ts:4');
    // Called as a method and from outside the bundle: nothing better than the minified name.
    expect(names[0]).toBe(`${frames.find((f) => f.file === BUNDLE_URL)!.function} @ src/checkout.ts:14`);
  });

  it('renders the symbolicated frames as the stored V8 stack text, header kept', async () => {
    const error = runUntilThrow(bundle, BUNDLE_URL, 'checkout', [{ sku: 'A-1', quantity: 2 }]);
    const { frames } = await symbolicate(parseV8Frames(error.stack!), '1.4.0', memoryLookup({ [BUNDLE_URL]: bundle.map }));
    const text = formatV8Stack(stackHeader(error.stack!), frames);
    expect(text.split('\n').slice(0, 4)).toEqual([
      'TypeError: item A-1 has no price',
      '    at priceOf (src/cart.ts:17:11)',
      '    at Cart.total (src/cart.ts:10:43)',
      '    at placeOrder (src/checkout.ts:4:22)',
    ]);
  });

  it.each([
    ['no release', '', { [BUNDLE_URL]: 'unused' }],
    ['no map for the file', '1.4.0', {}],
    ['a map that cannot be decoded', '1.4.0', { [BUNDLE_URL]: '{"version":3,"sources":["a.js"],"names":[],"mappings":"!!"}' }],
    ['a map of another file (no mapping on that line)', '1.4.0', { [BUNDLE_URL]: '{"version":3,"sources":["a.js"],"names":[],"mappings":";;;AAAA"}' }],
  ])('leaves frames as they were with %s', async (_, release, maps) => {
    const error = runUntilThrow(bundle, BUNDLE_URL, 'checkout', [{ sku: 'A-1', quantity: 2 }]);
    const frames = parseV8Frames(error.stack!);
    const result = await symbolicate(frames, release, memoryLookup(maps));
    expect(result).toEqual({ frames, symbolicated: 0 });
  });

  it('never rejects, even when the store does', async () => {
    const frames: Frame[] = [{ function: 'a', module: '', file: BUNDLE_URL, line: 1, column: 5, inApp: true }];
    const failing = { get: () => Promise.reject(new Error('store down')) };
    await expect(symbolicate(frames, '1.4.0', failing)).resolves.toEqual({ frames, symbolicated: 0 });
  });

  it('looks each file up once and skips frames without a column or from the runtime', async () => {
    const frame = (file: string, column: number): Frame => ({ function: 'f', module: '', file, line: 1, column, inApp: true });
    const lookup = memoryLookup({});
    await symbolicate([frame(BUNDLE_URL, 10), frame(BUNDLE_URL, 20), frame('app.py', 0), frame('node:internal/timers', 5)], '1.4.0', lookup);
    expect(lookup.calls).toBe(1);
  });
});
