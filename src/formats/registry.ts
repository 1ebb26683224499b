/**
 * Family -> parser. The one place that knows every parser.
 */
import type { Family, FamilyParser } from './types';
import { evtxParser } from './evtx';
import { httpProxyParser } from './httpproxy';
import { iisParser } from './iis';
import { ecpServerParser } from './ecp-server';
import { oabGeneratorParser } from './oab-generator';
import { fileInventoryParser } from './file-inventory';
import { winEventJsonParser } from './windows/winevent-json';
import { winEventCsvParser } from './windows/winevent-csv';
import { winEventJsonlParser } from './windows/winevent-jsonl';

const PARSERS: Record<Family, FamilyParser> = {
  httpproxy: httpProxyParser,
  iis: iisParser,
  ecp_server: ecpServerParser,
  oab_generator: oabGeneratorParser,
  winevent_json: winEventJsonParser,
  winevent_csv: winEventCsvParser,
  winevent_jsonl: winEventJsonlParser,
  file_inventory: fileInventoryParser,
  evtx: evtxParser,
};

/** The parser of a family (text parsers are pushed lines; the evtx parser reads the byte stream). */
export function parserFor(family: Family): FamilyParser {
  const p = PARSERS[family];
  if (!p) throw new Error(`no parser for log family "${String(family)}"`);
  return p;
}
