import type { AnyValue, Attributes } from '../../../batch/types.ts';

/**
 * Attribute values of every AnyValue kind as an SDK would hand them to the exporter (numbers
 * that are integers become int_value, others double_value), and what our decoders must yield.
 */
export const richAttributes: Record<string, unknown> = {
  str: 'value',
  'str.empty': '',
  'str.unicode': 'héllo wörld ✓ 🚀',
  'str.long': 'abc'.repeat(100),
  int: 42,
  'int.zero': 0,
  'int.negative': -17,
  'int.max_safe': Number.MAX_SAFE_INTEGER,
  'int.2^62': 2 ** 62,
  'int.min': -(2 ** 63),
  double: 3.14159,
  'double.negative': -0.5,
  'double.tiny': 5e-324,
  'double.huge': 1.7976931348623157e308,
  'bool.true': true,
  'bool.false': false,
  'array.strings': ['a', 'b', ''],
  'array.ints': [1, -2, 3],
  'array.doubles': [1.5, 2.5],
  'array.mixed': ['x', 1, 2.5, true],
  'array.empty': [],
  'array.nested': [[1, [2, ['deep']]]],
  kvlist: { a: 'x', b: { c: 1, d: [true, { e: 'f' }] } },
  bytes: Uint8Array.from([0, 1, 62, 63, 254, 255]),
};

export const expectedRichAttributes: Attributes = new Map<string, AnyValue>([
  ['str', 'value'],
  ['str.empty', ''],
  ['str.unicode', 'héllo wörld ✓ 🚀'],
  ['str.long', 'abc'.repeat(100)],
  ['int', 42n],
  ['int.zero', 0n],
  ['int.negative', -17n],
  ['int.max_safe', 9007199254740991n],
  ['int.2^62', 4611686018427387904n],
  ['int.min', -9223372036854775808n],
  ['double', 3.14159],
  ['double.negative', -0.5],
  ['double.tiny', 5e-324],
  ['double.huge', 1.7976931348623157e308],
  ['bool.true', true],
  ['bool.false', false],
  ['array.strings', ['a', 'b', '']],
  ['array.ints', [1n, -2n, 3n]],
  ['array.doubles', [1.5, 2.5]],
  ['array.mixed', ['x', 1n, 2.5, true]],
  ['array.empty', []],
  ['array.nested', [[1n, [2n, ['deep']]]]],
  [
    'kvlist',
    new Map<string, AnyValue>([
      ['a', 'x'],
      [
        'b',
        new Map<string, AnyValue>([
          ['c', 1n],
          ['d', [true, new Map([['e', 'f']])]],
        ]),
      ],
    ]),
  ],
  ['bytes', Uint8Array.from([0, 1, 62, 63, 254, 255])],
]);

/**
 * The same, as decoded from the official JSON encoder: it prints integral numbers beyond 2^53
 * with JSON.stringify, i.e. the shortest decimal that round-trips the double (2^62 becomes
 * 4611686018427388000), and we decode the literal on the wire exactly; -(2^63) is printed as
 * -9223372036854776000, outside int64, and so stays a double.
 */
export const expectedRichAttributesFromJson: Attributes = new Map(expectedRichAttributes)
  .set('int.2^62', 4611686018427388000n)
  .set('int.min', -(2 ** 63));
