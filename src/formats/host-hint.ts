/**
 * The host a file came from, guessed from its display path, for records that
 * do not name their server (IIS without s-computername, OABGeneratorLog, file
 * inventories). The record's own host always wins over this hint.
 */

/** Folder names that are never host names (lower case). */
const WELL_KNOWN = new Set([
  'logging',
  'httpproxy',
  'inetpub',
  'logs',
  'logfiles',
  'exchange server',
  'exchange',
  'v15',
  'v14',
  'program files',
  'program files (x86)',
  'microsoft',
  'ecp',
  'server',
  'activity',
  'oabgeneratorlog',
  'owa',
  'autodiscover',
  'eas',
  'ews',
  'mapi',
  'oab',
  'owacalendar',
  'powershell',
  'rpchttp',
  'rpsproxy',
  'windows',
  'system32',
  'winevt',
  'users',
  'temp',
  'tmp',
  'wwwroot',
  'aspnet_client',
  'system_web',
  'frontend',
  'clientaccess',
  'export',
  'exports',
  'eventlogs',
  'event logs',
  'events',
  'evtx',
  'sysmon',
  'security',
  'application',
  'collected',
  'collectedlogfiles',
  'evidence',
  'triage',
  'data',
  'upload',
  'uploads',
  'samples',
  'agency-demo',
  'tmp',
  'home',
  'root',
  'var',
  'work',
  'out',
  'hashes',
  'inventory',
  'filehashes',
  'desktop',
  'documents',
  'downloads',
  'ecpserver',
  'ecpactivity',
  'iis',
  'w3svc',
  'smtpsvc',
  'httperr',
]);

/** Segments after which the previous non-well-known segment is the host (a collected Exchange/IIS tree). */
const ANCHORS = new Set([
  'logging',
  'inetpub',
  'program files',
  'exchange server',
  'windows',
  'winevt',
  'v15',
  'v14',
  'c$',
  'd$',
  'e$',
  'c:',
  'd:',
  'e:',
  'c',
  'd',
  'e',
  'programdata',
]);

const ARCHIVE_EXT = /\.(zip|tar\.gz|tgz|tar|gz|7z)$/i;

function isWellKnown(seg: string): boolean {
  const s = seg.toLowerCase();
  return WELL_KNOWN.has(s) || /^w3svc\d+$/.test(s) || /^agency=/.test(s) || /^dt=/.test(s) || /^\d+$/.test(s);
}

/** A NetBIOS-like name (1-15 characters, a letter first), or the first label of an FQDN. */
function hostLike(seg: string): string | null {
  const first = seg.split('.')[0];
  if (!/^[A-Za-z][A-Za-z0-9-]{0,14}$/.test(first) || first.endsWith('-')) return null;
  if (isWellKnown(first)) return null;
  return first.toUpperCase();
}

/**
 * Short upper-case host name from a display path, or null.
 *
 * Tried in order: the folder in front of a collected tree (`EXCH01/Logging/...`,
 * `EXCH01/C$/inetpub/...`, `\\EXCH01\C$\...`); an archive named after an FQDN
 * (`exch01.corp.example.gov_logs.zip`); the root folder of an archive level
 * when it looks like a host name.
 *
 * @example hostFromPath('up/EXCH01-logs.zip!EXCH01/Logging/HttpProxy/Ecp/HttpProxy_2021030210-1.LOG') // 'EXCH01'
 */
export function hostFromPath(displayPath: string): string | null {
  const levels = displayPath.split('!');
  const segs: { text: string; level: number; indexInLevel: number }[] = [];
  levels.forEach((lv, level) => {
    lv.split(/[\\/]+/)
      .filter((s) => s.length > 0)
      .forEach((text, indexInLevel) => segs.push({ text, level, indexInLevel }));
  });
  if (segs.length === 0) return null;
  const dirs = segs.slice(0, -1);

  // 1. The segment before an anchor (innermost first: the archive's own tree beats the upload path).
  for (let i = dirs.length - 1; i >= 1; i--) {
    if (!ANCHORS.has(dirs[i].text.toLowerCase())) continue;
    for (let j = i - 1; j >= 0; j--) {
      const t = dirs[j].text;
      if (ANCHORS.has(t.toLowerCase())) continue;
      if (isWellKnown(t)) break;
      const h = hostLike(t);
      // An archive name in front of the tree ("exchange-logs.zip!Logging/...") is a host only
      // when it looks like one beyond doubt: a digit in it (EXCH01.zip), else rule 2 (FQDN) decides.
      if (h && (!ARCHIVE_EXT.test(t) || /\d/.test(h))) return h;
      break;
    }
  }

  // 2. Archive or folder named after an FQDN: "exch01.corp.example.gov_logs.zip", "EXCH01.corp.example.gov".
  for (let i = dirs.length - 1; i >= 0; i--) {
    const base = dirs[i].text.replace(ARCHIVE_EXT, '');
    const fqdn = /^([A-Za-z][A-Za-z0-9-]{0,14})\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(?:[_\s-]|$)/.exec(base);
    if (fqdn && !isWellKnown(fqdn[1])) return fqdn[1].toUpperCase();
  }

  // 3. The root folder of an archive level (entry paths only, never the local upload path).
  for (let i = dirs.length - 1; i >= 0; i--) {
    const d = dirs[i];
    if (d.level === 0 || d.indexInLevel !== 0) continue;
    const h = hostLike(d.text);
    if (h && /\d/.test(h)) return h;
  }
  return null;
}
