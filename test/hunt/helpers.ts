/** Test helpers for the hunt module: a hunt built from a header object and SQL. */
import { parseQueryFile, type Hunt, type QueryMeta } from '../../src/hunt/query-file';
import { stringify } from 'yaml';

export const BASE_META: QueryMeta = {
  id: '6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e',
  name: 'ProxyLogon SSRF: ServerInfo~ AnchorMailbox',
  status: 'stable',
  severity: 'critical',
  cves: ['CVE-2021-26855'],
  mitre: ['TA0001:T1190'],
  log_families: ['httpproxy'],
  key_fields: ['anchor_mailbox'],
  description: 'SSRF requests with a ServerInfo~ anchor mailbox.',
  references: ['https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1'],
};

/** A hunt as the loader makes it, from a meta override and SQL body. */
export function makeHunt(sql: string, meta: Partial<QueryMeta> = {}, file = 'queries/test/web/initial_access_test_hunt.sql'): Hunt {
  const header = stringify({ ...BASE_META, ...meta });
  return parseQueryFile(file, `/* ---\n${header}--- */\n${sql}\n`);
}
