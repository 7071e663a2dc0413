import { SourceMapConsumer } from 'source-map';
import { beforeAll, describe, expect, it } from 'vitest';

import { DecodedSourceMap } from './decoded.ts';
import { minify, SHOP_SOURCES, type MinifiedBundle } from './testing.ts';

describe('decoded source maps', () => {
  let bundle: MinifiedBundle;
  beforeAll(async () => {
    bundle = await minify(SHOP_SOURCES, 'src/checkout.ts');
  });

  it('maps every generated column exactly as source-map’s originalPositionFor does', async () => {
    const decoded = await DecodedSourceMap.parse(bundle.map);
    const lines = bundle.code.split('\n');
    await SourceMapConsumer.with(bundle.map, null, (consumer) => {
      lines.forEach((text, i) => {
        for (let column = 1; column <= text.length + 1; column++) {
          const want = consumer.originalPositionFor({ line: i + 1, column: column - 1 });
          const got = decoded.lookup(i + 1, column);
          const expected = want.source === null ? undefined : { source: want.source, line: want.line, column: want.column! + 1, name: want.name ?? undefined };
          expect(got, `line ${i + 1} column ${column}`).toEqual(expected);
        }
      });
    });
  });

  it('answers nothing for a line the map does not cover', async () => {
    const decoded = await DecodedSourceMap.parse(bundle.map);
    expect(decoded.lookup(999, 1)).toBeUndefined();
  });

  it('reads index maps (sections), offsetting each section', async () => {
    const section = JSON.parse(bundle.map);
    const indexMap = { version: 3, sections: [{ offset: { line: 0, column: 0 }, map: section }, { offset: { line: 5, column: 0 }, map: section }] };
    const decoded = await DecodedSourceMap.parse(JSON.stringify(indexMap));
    const plain = await DecodedSourceMap.parse(bundle.map);
    const column = bundle.code.indexOf('throw new TypeError') + 7;
    expect(decoded.lookup(6, column)).toEqual(plain.lookup(1, column));
    expect(plain.lookup(1, column)).toMatchObject({ source: '../src/cart.ts', line: 17 });
  });

  it('finds the enclosing original function only when the map carries the source text', async () => {
    const column = bundle.code.indexOf('throw new TypeError') + 7;
    const withText = await DecodedSourceMap.parse(bundle.map);
    const withoutText = await DecodedSourceMap.parse((await minify(SHOP_SOURCES, 'src/checkout.ts', { sourcesContent: false })).map);
    expect(withText.enclosingFunction(withText.lookup(1, column)!)).toBe('priceOf');
    expect(withoutText.enclosingFunction(withoutText.lookup(1, column)!)).toBeUndefined();
  });

  it('rejects text that is not a source map', async () => {
    await expect(DecodedSourceMap.parse('{"version":3,"sources":[],"names":[],"mappings":"!!"}')).rejects.toThrow();
  });
});
