/** Helpers for this folder's tests: a real module minified by esbuild, run until it throws, and its V8 frames. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

import { build } from 'esbuild';

import type { Frame } from '../types.ts';
import { DecodedSourceMap } from './decoded.ts';
import type { SourceMapLookup } from './store.ts';

/** Where the minified bundle pretends to be served from; frames carry this URL. */
export const BUNDLE_URL = 'https://cdn.example.com/static/js/app.min.js?v=7';

/** A small shop: a TypeScript app calling into a `node_modules` dependency. */
export const SHOP_SOURCES: Record<string, string> = {
  'src/checkout.ts': [
    "import { Cart, type Item } from './cart';",
    '',
    'export function placeOrder(cart: Cart): { total: number } {',
    '  const total = cart.total();',
    '  return { total };',
    '}',
    '',
    'const helpers = {',
    '  applyDiscount(order: { cart: Cart }) {',
    '    return placeOrder(order.cart);',
    '  },',
    '};',
    '',
    'export const checkout = (items: Item[]) => helpers.applyDiscount({ cart: new Cart(items) });',
    '',
  ].join('\n'),
  'src/cart.ts': [
    "import { roundCents } from 'money';",
    '',
    'export interface Item { sku: string; price?: number; quantity: number }',
    '',
    'export class Cart {',
    '  constructor(readonly items: Item[]) {}',
    '',
    '  total(): number {',
    '    let sum = 0;',
    '    for (const item of this.items) sum += priceOf(item) * item.quantity;',
    '    return roundCents(sum);',
    '  }',
    '}',
    '',
    'function priceOf(item: Item): number {',
    '  if (item.price === undefined) {',
    '    throw new TypeError(`item ${item.sku} has no price`);',
    '  }',
    '  return item.price;',
    '}',
    '',
  ].join('\n'),
  'node_modules/money/index.js': [
    'export function roundCents(value) {',
    '  if (!Number.isFinite(value)) throw new RangeError(`not an amount: ${value}`);',
    '  return Math.round(value * 100) / 100;',
    '}',
    '',
  ].join('\n'),
  'node_modules/money/package.json': '{ "name": "money", "main": "index.js" }',
};

/** A minified bundle and its source map (JSON text). */
export interface MinifiedBundle {
  code: string;
  map: string;
}

/** Writes `sources` to a temp dir and bundles `entry` with esbuild (minified, external map, CommonJS). */
export async function minify(sources: Record<string, string>, entry: string, options: { sourcesContent?: boolean } = {}): Promise<MinifiedBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-sourcemaps-'));
  try {
    for (const [path, text] of Object.entries(sources)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const result = await build({
      absWorkingDir: dir,
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: 'cjs',
      platform: 'neutral',
      sourcemap: 'external',
      sourcesContent: options.sourcesContent ?? true,
      outfile: join(dir, 'dist/app.min.js'),
      write: false,
      logLevel: 'silent',
    });
    const file = (suffix: string) => result.outputFiles.find((f) => f.path.endsWith(suffix))!.text;
    return { code: file('.js'), map: file('.js.map') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads the bundle as if served from `url` and calls its export `fn` with `args`; returns what it threw. */
export function runUntilThrow(bundle: MinifiedBundle, url: string, fn: string, ...args: unknown[]): Error {
  const module = { exports: {} as Record<string, (...a: unknown[]) => unknown> };
  vm.compileFunction(bundle.code, ['module', 'exports'], { filename: url })(module, module.exports);
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  try {
    module.exports[fn]!(...args);
  } catch (err) {
    return err as Error;
  } finally {
    Error.stackTraceLimit = limit;
  }
  throw new Error(`${fn} did not throw`);
}

/** A minimal V8 frame parser (`    at fn (file:line:col)`), frames oldest first as {@link StackTrace} orders them. */
export function parseV8Frames(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of stack.split('\n')) {
    const m = /^\s+at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    const file = m[2]!;
    frames.push({ function: m[1] ?? '', module: '', file, line: Number(m[3]), column: Number(m[4]), inApp: !file.startsWith('node:') });
  }
  return frames.reverse();
}

/** A lookup over maps held in memory, keyed by frame file URL; counts calls. */
export function memoryLookup(maps: Record<string, string>): SourceMapLookup & { calls: number } {
  const decoded = new Map<string, Promise<DecodedSourceMap>>();
  const lookup = {
    calls: 0,
    async get(_release: string, fileUrl: string) {
      lookup.calls++;
      const text = maps[fileUrl];
      if (text === undefined) return undefined;
      if (!decoded.has(fileUrl)) decoded.set(fileUrl, DecodedSourceMap.parse(text));
      return decoded.get(fileUrl)!.catch(() => undefined);
    },
  };
  return lookup;
}
