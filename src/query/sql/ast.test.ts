import { describe, expect, it } from 'vitest';
import { parseAst } from './ast.ts';
import { formatClause, settingsClauses, tokenize } from './lexer.ts';

describe('parseAst', () => {
  it('reads EXPLAIN AST lines into a tree', () => {
    const tree = parseAst('SelectWithUnionQuery (children 1)\n ExpressionList (children 1)\n  TableIdentifier system.one (alias o)\n');
    expect(tree).toEqual({ kind: 'SelectWithUnionQuery', detail: '', children: [{ kind: 'ExpressionList', detail: '', children: [{ kind: 'TableIdentifier', detail: 'system.one (alias o)', children: [] }] }] });
  });

  it.each([
    ['a line an alias with a newline printed', 'SelectWithUnionQuery (children 1)\n ExpressionList (children 1)\n  Literal UInt64_1 (alias a\n TableIdentifier system.users)'],
    ['a child count that does not add up', 'SelectWithUnionQuery (children 2)\n ExpressionList'],
    ['a second root', 'SelectWithUnionQuery\nInsertQuery'],
    ['a skipped level', 'SelectWithUnionQuery (children 1)\n   Literal UInt64_1'],
  ])('refuses %s', (_, text) => expect(parseAst(text)).toBeUndefined());
});

describe('the canonical text', () => {
  it('gives each SETTINGS clause, not system.settings', () => {
    const tokens = tokenize("SELECT name FROM system.settings WHERE x IN (SELECT 1 SETTINGS max_threads = 1) FORMAT JSON SETTINGS date_time_output_format = 'iso', max_threads = -1");
    expect(settingsClauses(tokens)).toEqual([[{ name: 'max_threads', value: '1' }], [{ name: 'date_time_output_format', value: "'iso'" }, { name: 'max_threads', value: '-1' }]]);
    expect(formatClause(tokens)).toEqual({ format: 'JSON', settingsAfter: true });
  });

  it('does not take a column called format, the format() function or a string for a FORMAT clause', () => {
    expect(formatClause(tokenize("SELECT format FROM t WHERE s = 'FORMAT JSON'"))).toBeUndefined();
    expect(formatClause(tokenize("SELECT format('{}', 1) AS format"))).toBeUndefined();
  });
});
