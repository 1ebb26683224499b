/**
 * The parser registry: every family list of the product derives from the facts each parser declares.
 */
import {
  equivalentFamilies,
  FAMILIES,
  FAMILY_LABELS,
  familiesOfTable,
  familyFacts,
  LOCAL_TIME_FAMILIES,
  parserFor,
  WINDOWS_EVENT_FAMILIES,
} from '../../src/formats';
import { TABLE_NAMES } from '../../src/lake/schema';

describe('parser registry', () => {
  it('knows each family once, under the name its parser declares', () => {
    // Assess
    expect(new Set(FAMILIES).size).toBe(FAMILIES.length);
    for (const f of FAMILIES) expect(parserFor(f).family).toBe(f);
  });

  it('gives every family a label, a table of the lake and advice on where its logs live', () => {
    // Assess
    for (const f of FAMILIES) {
      const facts = familyFacts(f)!;
      expect(FAMILY_LABELS[f]).toBe(facts.label);
      expect(facts.label.length).toBeGreaterThan(3);
      expect(facts.whereOnServer.length).toBeGreaterThan(10);
      expect(facts.tables.length).toBeGreaterThan(0);
      for (const t of facts.tables) expect(TABLE_NAMES).toContain(t);
    }
    expect(new Set(Object.values(FAMILY_LABELS)).size).toBe(FAMILIES.length);
  });

  it('derives the Windows event sources from the table their parsers write', () => {
    // Assess
    expect(WINDOWS_EVENT_FAMILIES).toEqual(familiesOfTable('windows_events'));
    expect(WINDOWS_EVENT_FAMILIES).toEqual(expect.arrayContaining(['evtx', 'winevent_json', 'winevent_csv', 'winevent_jsonl']));
    expect(familiesOfTable('web_requests')).toEqual(['httpproxy', 'iis']);
    expect(equivalentFamilies('winevent_csv')).toEqual(WINDOWS_EVENT_FAMILIES);
    expect(equivalentFamilies('iis')).toEqual(['iis']);
  });

  it('reads local time only for exports written without an offset, never for logs that are UTC by design', () => {
    // Assess
    for (const f of ['winevent_csv', 'winevent_json', 'winevent_jsonl', 'file_inventory']) expect(LOCAL_TIME_FAMILIES.has(f)).toBe(true);
    for (const f of ['iis', 'httpproxy', 'ecp_server', 'evtx']) expect(LOCAL_TIME_FAMILIES.has(f)).toBe(false);
  });

  it('declares a fast kernel only where one exists (IIS and HttpProxy)', () => {
    // Assess
    const withKernel = FAMILIES.filter((f) => {
      const p = parserFor(f);
      return p.kind === 'text' && p.kernel !== undefined;
    });
    expect(withKernel).toEqual(['httpproxy', 'iis']);
  });
});
