import { describe, expect, it } from 'vitest';
import { scopeListings } from './scope.ts';

const visible = "IN ('otel_acme', 'system', 'information_schema', 'INFORMATION_SCHEMA')";

describe('scopeListings', () => {
  it('reads each listing table through a filter on its database column, under its own name or alias', () => {
    expect(scopeListings('SELECT name FROM system.databases', 'otel_acme')).toBe(`SELECT name FROM (SELECT * FROM \`system\`.\`databases\` WHERE name ${visible}) AS \`databases\``);
    expect(scopeListings("SELECT t.name FROM system.tables AS t WHERE t.database = 'x'", 'otel_acme'))
      .toBe(`SELECT t.name FROM (SELECT * FROM \`system\`.\`tables\` WHERE database ${visible}) AS t WHERE t.database = 'x'`);
    expect(scopeListings('SELECT TABLE_NAME FROM INFORMATION_SCHEMA.COLUMNS', 'otel_acme')).toContain(`WHERE TABLE_SCHEMA ${visible}) AS \`COLUMNS\``);
    expect(scopeListings('SELECT schema_name FROM information_schema.schemata', 'otel_acme')).toContain(`WHERE schema_name ${visible}`);
    expect(scopeListings('SELECT * FROM `system`.`columns` JOIN system.data_skipping_indices AS i ON 1', 'otel_acme'))
      .toBe(`SELECT * FROM (SELECT * FROM \`system\`.\`columns\` WHERE database ${visible}) AS \`columns\` JOIN (SELECT * FROM \`system\`.\`data_skipping_indices\` WHERE database ${visible}) AS i ON 1`);
  });

  it('leaves other tables, string literals and fully qualified columns alone', () => {
    for (const sql of ["SELECT 'system.tables' FROM otel_logs", 'SELECT * FROM system.one', 'SELECT name FROM system.functions', 'SELECT count() FROM otel_logs AS tables']) {
      expect(scopeListings(sql, 'otel_acme')).toBe(sql);
    }
    // A column qualified with the table's full name is not rewritten (and fails in the engine, past no filter).
    expect(scopeListings('SELECT system.tables.name FROM system.tables', 'otel_acme')).toMatch(/^SELECT system\.tables\.name FROM \(SELECT/);
  });
});
