import { describe, expect, it } from 'vitest';

import { enclosingFunction, functionScopes } from './scopes.ts';

/** The enclosing function's name at the `@` marker (removed before scanning). */
function nameAtMarker(sourceWithMarker: string): string | undefined {
  const offset = sourceWithMarker.indexOf('@');
  const source = sourceWithMarker.slice(0, offset) + sourceWithMarker.slice(offset + 1);
  return enclosingFunction(functionScopes(source), offset);
}

describe('enclosing function names in original sources', () => {
  it.each([
    ['a function declaration', 'function priceOf(item) {\n  throw @new Error("x");\n}', 'priceOf'],
    ['a generator declaration', 'function* walk(tree) { yield @tree; }', 'walk'],
    ['an async function declaration', 'async function load() { await @fetch(); }', 'load'],
    ['a named function expression beats the variable', 'const a = function inner() { @x(); };', 'inner'],
    ['an anonymous function expression takes the variable', 'var handler = function () { @x(); };', 'handler'],
    ['an arrow with a block body', 'const total = (cart) => {\n  return @sum(cart);\n};', 'total'],
    ['an async arrow with one parameter', 'let go = async item => { @x(item); };', 'go'],
    ['an arrow with an expression body', 'export const checkout = (order) => helpers.@applyDiscount(order);', 'checkout'],
    ['a property assignment', 'this.onClick = () => { @x(); };', 'onClick'],
    ['an object literal method', 'const helpers = {\n  applyDiscount(order) { return @placeOrder(order); },\n};', 'applyDiscount'],
    ['an object property holding an arrow', 'const o = { run: (a) => { @a(); } };', 'run'],
    ['a class method, prefixed with the class', 'class Cart {\n  add(item) { @this.items.push(item); }\n}', 'Cart.add'],
    ['a class constructor', 'class Cart { constructor() { @init(); } }', 'new Cart'],
    ['a method of a class expression', 'const Store = class { get(k) { return @k; } };', 'Store.get'],
    ['a class extending another', 'class Admin extends User { can(p) { return @true; } }', 'Admin.can'],
    ['the innermost of nested functions', 'function outer() {\n  function inner() { @boom(); }\n  inner();\n}', 'inner'],
    ['the outer function after a nested one closed', 'function outer() {\n  function inner() { boom(); }\n  @inner();\n}', 'outer'],
    ['an anonymous callback', 'items.forEach((item) => { @check(item); });', ''],
    ['code outside any function', 'const x = 1;\n@start();', undefined],
    ['a TypeScript function with types and generics', 'export function parse<T>(raw: string, fallback: T): Promise<T[]> {\n  @throw new Error();\n}', 'parse'],
    ['a TypeScript annotated arrow', 'const handle: Handler<Req> = async (req: Req): Promise<void> => {\n  @fail();\n};', 'handle'],
    ['a TypeScript class field arrow', 'class Api {\n  private readonly fetch = async (url: string) => { @go(url); };\n}', 'fetch'],
    ['braces inside strings, templates, regexes and comments', 'function tricky() {\n  const s = "}{";\n  const t = `${"}"}{`;\n  const r = /[}]{2}/g;\n  // }\n  /* } */\n  @boom();\n}', 'tricky'],
    ['a function nested in a template substitution', 'const html = `<p>${items.map(function row(i) { return @i; })}</p>`;', 'row'],
    ['a division is not a regex', 'function ratio(a, b) {\n  const r = (a) / (b) / 2;\n  @check(r);\n}', 'ratio'],
    ['if and for blocks are not functions', 'function run() {\n  if (a) { for (;;) { @x(); } }\n}', 'run'],
    ['JSX text with an apostrophe', "function App() {\n  return <p>Don't panic</p>;\n}\nfunction Later() { @x(); }", 'Later'],
  ])('%s', (_, source, expected) => {
    expect(nameAtMarker(source)).toBe(expected);
  });

  it('orders scopes by start and gives each its body range', () => {
    const source = 'function a() { function b() {} }';
    expect(functionScopes(source)).toEqual([
      { start: 13, end: 32, name: 'a' },
      { start: 28, end: 30, name: 'b' },
    ]);
  });

  it('survives unbalanced and unterminated input', () => {
    for (const source of ['function a() {', '}}} function b() { "unterminated', '`${', '/unterminated regex', '']) {
      expect(() => functionScopes(source)).not.toThrow();
    }
  });
});
