/**
 * What the Collector's pdata `Value.AsString()` returns for each kind of value, written from Go's
 * behaviour (not from our implementation): the table `asString` is checked against, and the text
 * the exporters must store in the attribute maps (the row encoder turns a lone surrogate in a
 * top-level string into U+FFFD, as a UTF-8 column must).
 */
import type { AnyValue } from './types.ts';

// Expected strings are what the Collector's pdata Value.AsString() returns for the same value.
export const AS_STRING_CASES: Array<[name: string, value: AnyValue, text: string]> = [
  ['a string as-is', 'héllo "x"', 'héllo "x"'],
  ['true', true, 'true'],
  ['false', false, 'false'],
  ['an int', 42n, '42'],
  ['a negative int beyond 2^53', -9007199254740993n, '-9007199254740993'],
  ['a double', 637.704, '637.704'],
  ['a whole double', 5, '5'],
  ['a tiny double in e-notation', 1.5e-7, '1.5e-7'],
  ['a huge double in e-notation', 1e21, '1e+21'],
  ['a double just under 1e21', 123456789012345680000, '123456789012345680000'],
  ['NaN', NaN, 'json: unsupported value: NaN'],
  ['+Inf', Infinity, 'json: unsupported value: +Inf'],
  ['-Inf', -Infinity, 'json: unsupported value: -Inf'],
  ['bytes as standard base64', new Uint8Array([0xfb, 0xff, 0x01]), '+/8B'],
  ['an empty value', null, ''],
  ['an array of strings', ['many', 'values'], '["many","values"]'],
  ['a mixed array', ['a', 1n, 2.5, true, null, new Uint8Array([1])], '["a",1,2.5,true,null,"AQ=="]'],
  ['a kvlist with keys sorted', new Map<string, AnyValue>([['z', 1n], ['a', 'x']]), '{"a":"x","z":1}'],
  ['nested arrays and maps', [new Map<string, AnyValue>([['k', ['v']]])], '[{"k":["v"]}]'],
  ['HTML characters escaped as Go does', ['<a href="x">&</a>'], '["\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"]'],
  ['line separators escaped as Go does', ['\u2028\u2029'], '["\\u2028\\u2029"]'],
  ['control characters', ['\n\t\u0001'], '["\\n\\t\\u0001"]'],
  ['an array with NaN (json.Marshal fails, the Collector writes "")', [NaN], ''],
  ['an empty array', [], '[]'],
  ['an empty kvlist', new Map(), '{}'],
  ['a string with a lone surrogate as-is (the row encoder makes it U+FFFD)', 'a\ud800', 'a\ud800'],
  ['lone surrogates inside an array as U+FFFD, as Go holds them', ['a\ud800', '\udc00b'], '["a\ufffd","\ufffdb"]'],
  ['a surrogate pair inside an array as it is', ['\ud83d\ude00'], '["\ud83d\ude00"]'],
  ['a kvlist key with a lone surrogate', new Map<string, AnyValue>([['\udbff', 1n]]), '{"\ufffd":1}'],
  ['a lone surrogate next to HTML characters', ['<\ud800>'], '["\\u003c\ufffd\\u003e"]'],
];

/** The text stored in ClickHouse for a case: as AsString, lone surrogates made U+FFFD. */
export function storedText(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
