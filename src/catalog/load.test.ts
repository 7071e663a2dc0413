import { describe, expect, it } from 'vitest';
import type { AnyValue } from '../batch/types.ts';
import { catalogNamespaces, checkEvent, piiRules } from './check.ts';
import { CatalogError, loadCatalog } from './load.ts';

const SHOP = 'test/fixtures/catalog/shop.yaml';
const files = (texts: Record<string, string>) => (file: string) => {
  if (!(file in texts)) throw Object.assign(new Error('no file'), { code: 'ENOENT' });
  return texts[file]!;
};
const problems = (texts: Record<string, string>) => {
  try {
    loadCatalog(Object.keys(texts), files(texts));
  } catch (err) {
    if (err instanceof CatalogError) return err.problems.map((p) => `${p.file}:${p.line}: ${p.field}: ${p.message}`);
    throw err;
  }
  return [];
};

describe('loadCatalog', () => {
  it('resolves events and their referenced attributes, with requirement levels, enums and annotations', () => {
    const catalog = loadCatalog([SHOP]);
    expect([...catalog.events.keys()]).toEqual(['shop.cart.checkout', 'shop.search']);
    const checkout = catalog.events.get('shop.cart.checkout')!;
    expect(checkout).toMatchObject({ keepAlways: true, sampling: undefined, file: SHOP, line: 30 });
    expect(checkout.attributes.get('shop.cart.id')).toMatchObject({ type: 'string', requirement: 'required', examples: ['c-1042'], line: 7 });
    expect(checkout.attributes.get('shop.payment.method')).toMatchObject({ type: 'enum', members: ['card', 'paypal'], requirement: 'recommended' });
    expect(checkout.attributes.get('shop.customer.email')).toMatchObject({ pii: 'hash', requirement: 'opt_in' });
    expect(checkout.attributes.get('shop.cart.items')).toMatchObject({ type: 'int', requirement: 'recommended' });
    expect(catalog.events.get('shop.search')).toMatchObject({ sampling: 10, keepAlways: false });
    expect(piiRules(catalog)).toEqual([{ key: 'shop.customer.email', method: 'hash' }]);
  });

  it('reports every problem with its file, line and field, at once', () => {
    const found = problems({
      'a.yaml': 'groups:\n  - id: e\n    type: event\n    name: x.y\n    attributes:\n      - ref: x.nope\n      - id: x.n\n        type: float\n',
      'b.yaml': 'groups:\n  - id: g\n    type: attribute_group\n    attributes:\n      - id: x.bad\n        type: {members: [{id: a, value: a}, {id: b, value: 2}]}\n      - id: x.both\n        ref: x.other\n        type: string\n  - id: e2\n    type: event\n    name: x.y\n',
      'c.yaml': 'groups: [\n',
      'd.yaml': 'groups:\n  - id: e\n    type: event\n    annotations:\n      otelhouse:\n        sampling: 150\n',
      'gone.yaml': '',
    });
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^a\.yaml:8: groups\[0\]\.attributes\[1\]\.type: /),
      expect.stringMatching(/^b\.yaml:7: groups\[0\]\.attributes\[1\]: an attribute has an id .* or a ref/),
      expect.stringMatching(/^c\.yaml:\d+: \(yaml\): /),
      expect.stringMatching(/^d\.yaml:6: groups\[0\]\.annotations\.otelhouse\.sampling: /),
    ]));
    // Problems found after the fields: enum types, duplicate events, unknown refs (a.yaml's ref is checked once b.yaml's fields are fixed).
    expect(problems({ 'b.yaml': 'groups:\n  - id: g\n    type: attribute_group\n    attributes:\n      - id: x.bad\n        type: {members: [{id: a, value: a}, {id: b, value: 2}]}\n' }))
      .toEqual(['b.yaml:5: groups[0].attributes[0].type.members: enum x.bad mixes string and int values']);
    expect(problems({ 'a.yaml': 'groups:\n  - id: e\n    type: event\n    name: x.y\n    attributes:\n      - ref: x.nope\n' }))
      .toEqual(['a.yaml:6: groups[0].attributes[0].ref: no attribute x.nope in the catalog\'s attribute groups']);
    expect(problems({ 'a.yaml': 'groups:\n  - id: e\n    type: event\n    name: x.y\n', 'b.yaml': 'groups:\n  - id: e\n    type: event\n    name: x.y\n' }))
      .toEqual(['b.yaml:2: groups[0].name: event x.y is already defined at a.yaml:2']);
  });

  it('names a file it cannot read', () => {
    expect(() => loadCatalog(['/no/such/catalog.yaml'])).toThrow(/\/no\/such\/catalog\.yaml:1: \(file\): cannot read: ENOENT/);
  });
});

describe('checkEvent', () => {
  const catalog = loadCatalog([SHOP]);
  const namespaces = catalogNamespaces(catalog);
  const check = (name: string, attrs: Record<string, AnyValue>) => checkEvent(catalog, namespaces, name, new Map(Object.entries(attrs)));

  it('passes a record that follows its entry, and events outside the catalog\'s namespaces', () => {
    expect(check('shop.cart.checkout', { 'shop.cart.id': 'c-1', 'shop.cart.total': 59.9, 'shop.payment.method': 'card', 'shop.cart.items': 3n, extra: 'ok' })).toEqual([]);
    expect(check('shop.cart.checkout', { 'shop.cart.id': 'c-1', 'shop.cart.total': 60n })).toEqual([]); // a whole double sent as an int
    expect(check('browser.page_view', {})).toEqual([]);
    expect(check('', {})).toEqual([]);
  });

  it('names an unknown event, each missing required attribute, wrong type and enum value outside the list', () => {
    expect(check('shop.cart.chekout', {})).toEqual([{ reason: 'unknown_event' }]);
    expect(check('shop.cart.checkout', { 'shop.cart.total': 'free', 'shop.payment.method': 'cash', 'shop.cart.items': 2.5 })).toEqual([
      { reason: 'missing_required', attribute: 'shop.cart.id' },
      { reason: 'wrong_type', attribute: 'shop.cart.total' },
      { reason: 'enum_value', attribute: 'shop.payment.method' },
      { reason: 'wrong_type', attribute: 'shop.cart.items' },
    ]);
    expect(check('shop.cart.checkout', { 'shop.cart.id': 'c', 'shop.cart.total': 1, 'shop.payment.method': true })).toEqual([{ reason: 'wrong_type', attribute: 'shop.payment.method' }]);
  });

  it('takes the namespaces configured over those of the events', () => {
    expect(checkEvent(catalog, catalogNamespaces(catalog, ['browser']), 'browser.page_vue', new Map())).toEqual([{ reason: 'unknown_event' }]);
    expect(checkEvent(catalog, catalogNamespaces(catalog, ['browser']), 'shop.nope', new Map())).toEqual([]);
  });
});
