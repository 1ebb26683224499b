/**
 * The parser registry: the one place that knows every log family.
 *
 * Each parser declares its family name, its facts (label, tables, where the logs live on a server, local time or
 * not) and its fast kernel if it has one; every family list of the product is derived from {@link PARSERS}. A new
 * family is one parser file and one line here: the `Family` type, the hunt headers' `log_families`, coverage
 * labels, `sweep check` advice and the Windows-event equivalence follow, checked by the compiler.
 */
import type { FamilyFacts, FamilyParser } from './types';
import type { TableName } from '../lake';
import { evtxParser } from './evtx';
import { httpProxyParser } from './httpproxy';
import { iisParser } from './iis';
import { ecpServerParser } from './ecp-server';
import { oabGeneratorParser } from './oab-generator';
import { fileInventoryParser } from './file-inventory';
import { winEventJsonParser } from './windows/winevent-json';
import { winEventCsvParser } from './windows/winevent-csv';
import { winEventJsonlParser } from './windows/winevent-jsonl';
import { evtxDumpJsonParser } from './windows/evtx-dump-json';
import { eventXmlParser } from './windows/event-xml';
import { splunkExportParser } from './windows/splunk-export';
import { eventViewerTextParser } from './windows/eventviewer-text';

/** Every family parser, in the order families are listed to users. */
const PARSERS = [
  httpProxyParser,
  iisParser,
  ecpServerParser,
  oabGeneratorParser,
  winEventJsonParser,
  winEventCsvParser,
  winEventJsonlParser,
  fileInventoryParser,
  evtxParser,
  evtxDumpJsonParser,
  eventXmlParser,
  splunkExportParser,
  eventViewerTextParser,
] as const;

/** Log families recognized by content. */
export type Family = (typeof PARSERS)[number]['family'];

const BY_FAMILY = new Map<string, FamilyParser>(PARSERS.map((p) => [p.family, p]));

/** Every family name, in registry order (a non-empty tuple, as zod's enum wants it). */
export const FAMILIES = PARSERS.map((p) => p.family) as unknown as readonly [Family, ...Family[]];

/** Human names, for coverage lines and the verdict ("HttpProxy logs on EXCH01 cover ..."). */
export const FAMILY_LABELS = Object.fromEntries(PARSERS.map((p) => [p.family, p.facts.label])) as Record<Family, string>;

/** Families whose records are Windows events (they write `windows_events`): any one serves a hunt naming another. */
export const WINDOWS_EVENT_FAMILIES: readonly Family[] = familiesOfTable('windows_events');

/** Families whose times may be local time without an offset: the agency's zone (`--local-tz`) applies to them. */
export const LOCAL_TIME_FAMILIES: ReadonlySet<string> = new Set(PARSERS.filter((p) => p.facts.localTime).map((p) => p.family));

/** The parser of a family (text parsers are pushed lines; binary parsers read the byte stream). */
export function parserFor(family: Family): FamilyParser {
  const p = BY_FAMILY.get(family);
  if (!p) throw new Error(`no parser for log family "${String(family)}"`);
  return p;
}

/** The facts a family's parser declares; undefined for a name that is no family (an old manifest, a typo). */
export function familyFacts(family: string): FamilyFacts | undefined {
  return BY_FAMILY.get(family)?.facts;
}

/**
 * The families that serve a hunt listing `family`: the Windows event sources stand for one another (the same
 * records, whatever the export); any other family only for itself.
 */
export function equivalentFamilies(family: string): readonly string[] {
  return (WINDOWS_EVENT_FAMILIES as readonly string[]).includes(family) ? WINDOWS_EVENT_FAMILIES : [family];
}

/** True when `name` is a known family. */
export function isFamily(name: string): name is Family {
  return BY_FAMILY.has(name);
}

/** The families whose parsers write to a lake table, in registry order. */
export function familiesOfTable(table: TableName): Family[] {
  return PARSERS.filter((p) => (p.facts.tables as readonly string[]).includes(table)).map((p) => p.family);
}
