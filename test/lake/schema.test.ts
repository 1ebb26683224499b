import { COMMON_COLUMNS, PARTITION_COLUMNS, TABLES, TABLE_NAMES, tableDef, duckDbType, athenaType } from '../../src/lake/schema';

describe('lake schema', () => {
  it('starts every table with the common columns, in order', () => {
    // Prepare
    const common = COMMON_COLUMNS.map((c) => c.name);
    // Act
    const heads = TABLE_NAMES.map((t) =>
      tableDef(t)
        .columns.slice(0, common.length)
        .map((c) => c.name),
    );
    // Assess
    for (const h of heads) expect(h).toEqual(common);
  });

  it('has unique, snake_case column names that never clash with the partition columns', () => {
    for (const t of Object.values(TABLES)) {
      const names = t.columns.map((c) => c.name);
      expect(new Set(names).size).toBe(names.length);
      for (const n of names) {
        expect(n).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(PARTITION_COLUMNS.map((p) => p.name)).not.toContain(n);
      }
    }
  });

  it('maps every column type to a DuckDB and an Athena type', () => {
    for (const t of Object.values(TABLES))
      for (const c of t.columns) {
        expect(duckDbType(c.type)).toBeTruthy();
        expect(athenaType(c.type)).toBeTruthy();
      }
  });

  it('throws for an unknown table, naming the known ones', () => {
    expect(() => tableDef('nope')).toThrow(/unknown lake table "nope".*web_requests/);
  });
});
