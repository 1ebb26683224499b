/**
 * Event Viewer "Save All Events As..." / "Save Selected Events..." in the CSV (Comma Separated) and Text (Tab
 * Delimited) types: a header `Level,Date and Time,Source,Event ID,Task Category` (tabs in the text type), then one
 * record per event with one more field than the header names, the rendered message, quoted over many lines.
 *
 * The date is the exporting machine's local time in its culture (`3/2/2021 10:15:30 AM`): the agency's zone rule
 * applies (`ParseContext.localZone`). The export names no log and no computer: the channel comes from the file name
 * when it is a log name (`Security.csv`, `Microsoft-Windows-Sysmon%4Operational.txt`), else from a Security auditing
 * source; the host from the path. Event data is recovered from the message for the layouts we know.
 */
import type { ParseContext, TextFamilyParser, TextParser } from '../types';
import { CsvRecordJoiner, cleanLine } from '../text/csv-line';
import { windowsEventRow, type WindowsEvent } from './event-row';
import { eventDataFrom } from './message-fields';

/** The header names Event Viewer writes (English UI). */
export const EVENT_VIEWER_COLUMNS = ['level', 'date and time', 'source', 'event id', 'task category'] as const;

/** UI language of an export, told by its header. */
export type EventViewerLanguage = 'en' | 'fr' | 'nl' | 'de';

type Column = 'level' | 'date' | 'source' | 'id' | 'task';

/** Lower case, accents and apostrophes dropped: `ID de l’événement` -> `id de levenement`. */
function fold(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f'’`]/g, '');
}

/**
 * Header names per UI language (folded). The date column names the language: it is the one name no two languages
 * share (Niveau is French and Dutch, Source English and French).
 */
const DATE_COLUMN: Record<string, EventViewerLanguage> = {
  'date and time': 'en',
  'date et heure': 'fr',
  'datum en tijd': 'nl',
  'datum und uhrzeit': 'de',
};
const COLUMNS: Record<string, Column> = {
  level: 'level',
  niveau: 'level',
  ebene: 'level',
  source: 'source',
  bron: 'source',
  quelle: 'source',
  'event id': 'id',
  'id de levenement': 'id',
  'id devenement': 'id',
  'gebeurtenis-id': 'id',
  'gebeurtenis id': 'id',
  'ereignis-id': 'id',
  'task category': 'task',
  'categorie de la tache': 'task',
  'categorie de tache': 'task',
  taakcategorie: 'task',
  aufgabenkategorie: 'task',
};

/** Which column each header name is, and the export's language; null when it is no Event Viewer header. */
export function eventViewerHeader(names: readonly string[]): { language: EventViewerLanguage; columns: Map<Column, number> } | null {
  const columns = new Map<Column, number>();
  let language: EventViewerLanguage | null = null;
  names.forEach((n, i) => {
    const f = fold(n);
    const lang = DATE_COLUMN[f];
    if (lang !== undefined && !columns.has('date')) {
      language = lang;
      columns.set('date', i);
      return;
    }
    // An ID column whose accents were lost to a wrong code page (`ID de l?v?nement`) is still the ID column.
    const c = COLUMNS[f] ?? (/^id de l/.test(f) ? 'id' : undefined);
    if (c !== undefined && !columns.has(c)) columns.set(c, i);
  });
  if (language === null || !columns.has('level') || !columns.has('source') || !columns.has('id')) return null;
  return { language, columns };
}

/**
 * Level column words (folded) per UI language; audit events show Audit Success / Failure instead of a level: most
 * are level 0 (LogAlways).
 */
const LEVELS: Record<string, number> = {
  // en-US, en-GB
  'audit success': 0,
  'audit failure': 0,
  information: 4,
  warning: 3,
  error: 2,
  critical: 1,
  verbose: 5,
  // fr-FR, fr-BE
  'succes de laudit': 0,
  'echec de laudit': 0,
  informations: 4,
  avertissement: 3,
  erreur: 2,
  critique: 1,
  commentaires: 5,
  detaille: 5,
  // nl-NL, nl-BE
  'controle geslaagd': 0,
  'controle mislukt': 0,
  informatie: 4,
  waarschuwing: 3,
  fout: 2,
  kritiek: 1,
  uitgebreid: 5,
  // de-DE
  'uberwachung erfolgreich': 0,
  'uberwachung gescheitert': 0,
  'uberwachung fehlgeschlagen': 0,
  informationen: 4,
  warnung: 3,
  fehler: 2,
  kritisch: 1,
  ausfuhrlich: 5,
};

/**
 * A date and time as the exporting machine's culture wrote it: `3/2/2021 10:15:30 AM` (en-US), `02/03/2021 10:15:30`
 * (en-GB, fr-FR, fr-BE, nl-BE), `2-3-2021 10:15:30` (nl-NL), `02.03.2021 10:15:30` (de-DE). `a` and `b` are the first
 * two numbers of the date, in the order written; `tod` the time of day in ms.
 */
interface WrittenDate {
  a: number;
  b: number;
  y: number;
  tod: number;
}

function readWrittenDate(text: string): WrittenDate | null {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM|am|pm|a\.m\.|p\.m\.)?$/.exec(text.trim());
  if (!m) return null;
  let h = Number(m[4]);
  const min = Number(m[5]);
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  if (m[7] !== undefined) {
    if (h < 1 || h > 12) return null;
    const pm = m[7][0].toLowerCase() === 'p';
    h = (h % 12) + (pm ? 12 : 0);
  }
  if (h > 23 || min > 59 || sec > 59) return null;
  // Two-digit years (fr-BE's dd-MM-yy): event logs are of this century.
  const y = m[3].length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
  return { a: Number(m[1]), b: Number(m[2]), y, tod: ((h * 60 + min) * 60 + sec) * 1000 };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Local wall-clock time (as epoch ms of that wall clock) of a written date under an order; NaN when it is no date. */
function wallClock(d: WrittenDate, order: 'dmy' | 'mdy'): number {
  const [day, month] = order === 'dmy' ? [d.a, d.b] : [d.b, d.a];
  if (month < 1 || month > 12 || day < 1) return NaN;
  const leap = d.y % 4 === 0 && (d.y % 100 !== 0 || d.y % 400 === 0);
  if (day > (month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1])) return NaN;
  return Date.UTC(d.y, month - 1, day) + d.tod;
}

/** How many ambiguous rows an English export holds back while its dates have not told day from month. */
const MAX_HELD_ROWS = 5_000;

const CLASSIC_LOGS = new Set([
  'security',
  'system',
  'application',
  'setup',
  'forwardedevents',
  'windows powershell',
  'msexchange management',
]);

/** The log an export was saved from, when its file name is the log's name. */
export function channelFromFileName(sourceFile: string): string | null {
  const base = sourceFile.split(/[\\/!]/).pop() ?? '';
  const name = base.replace(/\.(csv|txt)$/i, '').replace(/%4/g, '/');
  if (CLASSIC_LOGS.has(name.toLowerCase())) return name;
  return /^Microsoft-[\w.-]+\/\w+$/.test(name) ? name : null;
}

class EventViewerTextParser implements TextParser {
  private joiner: CsvRecordJoiner | null = null;
  private cols: Map<Column, number> | null = null;
  private language: EventViewerLanguage = 'en';
  private width = 0;
  private readonly fileChannel: string | null;
  /**
   * Day/month order of the file's dates: told by the header's language (French, Dutch and German Windows write the
   * day first in every culture we read), else by the first English date whose day or month is over 12 (en-US writes
   * M/d/yyyy, en-GB dd/MM/yyyy). Never guessed.
   */
  private order: 'dmy' | 'mdy' | null = null;
  /** English rows whose date reads both ways, held until a date of the file tells the order. */
  private held: { row: ReturnType<typeof windowsEventRow>; date: WrittenDate }[] = [];
  private readonly levels = new Map<string, number | null>();

  constructor(private readonly ctx: ParseContext) {
    this.fileChannel = channelFromFileName(ctx.sourceFile);
  }

  line(raw: string, lineNo: number): void {
    const text = cleanLine(raw, lineNo);
    if (this.joiner === null) {
      if (text.trim().length === 0) return;
      // The header decides the separator: the text type is tab-delimited.
      this.joiner = new CsvRecordJoiner((n, r) => this.ctx.reject(n, r), undefined, text.includes('\t') ? 9 : 44);
    }
    if (!this.joiner.isPending && text.length === 0) return;
    if (!this.joiner.push(text, lineNo)) return;
    const csv = this.joiner.csv;
    const at = this.joiner.startLine;
    if (this.cols === null) {
      const names = csv.all();
      const header = eventViewerHeader(names);
      if (header === null) {
        this.ctx.reject(
          at,
          'not an Event Viewer export header (Level, Date and Time, Source, Event ID in English, French, Dutch or German)',
        );
        return;
      }
      this.cols = header.columns;
      this.language = header.language;
      this.order = header.language === 'en' ? null : 'dmy';
      this.width = names.length;
      return;
    }
    // Each record has the message after the named columns.
    if (csv.count !== this.width + 1 && csv.count !== this.width) {
      this.ctx.reject(at, `wrong column count: ${csv.count} fields, header has ${this.width} and the message`);
      return;
    }
    const get = (c: Column): string => csv.field(this.cols!.get(c) ?? -1).trim();
    const idText = get('id');
    if (!/^\d+$/.test(idText)) {
      this.ctx.reject(at, `bad Event ID ${JSON.stringify(idText.slice(0, 20))}`);
      return;
    }
    const dateText = get('date');
    const date = readWrittenDate(dateText);
    const dmy = date === null ? NaN : wallClock(date, 'dmy');
    const mdy = date === null ? NaN : wallClock(date, 'mdy');
    if (date === null || (Number.isNaN(dmy) && Number.isNaN(mdy))) {
      this.ctx.reject(at, `bad Date and Time ${JSON.stringify(dateText.slice(0, 40))}`);
      return;
    }
    let wall: number | null;
    if (date.a === date.b) wall = dmy;
    else if (this.order !== null) {
      wall = this.order === 'dmy' ? dmy : mdy;
      if (Number.isNaN(wall)) {
        const why = this.language === 'en' ? "the file's earlier dates are" : `Windows in its header's language (${this.language}) writes`;
        this.ctx.reject(
          at,
          `bad Date and Time ${JSON.stringify(dateText.slice(0, 40))}: not ${this.order === 'dmy' ? 'day' : 'month'}-first as ${why}`,
        );
        return;
      }
    } else if (Number.isNaN(dmy) || Number.isNaN(mdy)) {
      // The first English date with a day over 12: the file's order.
      this.order = Number.isNaN(dmy) ? 'mdy' : 'dmy';
      wall = this.order === 'dmy' ? dmy : mdy;
      this.release();
    } else wall = null;

    const eventId = Number(idText);
    const provider = get('source') || null;
    const channel = this.fileChannel ?? (provider !== null && /security-auditing/i.test(provider) ? 'Security' : null);
    const message = csv.count > this.width ? csv.field(this.width).replace(/\s+$/, '') || null : null;
    const ev: WindowsEvent = {
      timeMs: wall === null ? null : this.utc(wall),
      channel,
      provider,
      eventId,
      level: this.level(get('level')),
      recordId: null,
      computer: null,
      userSid: null,
      message,
      data: eventDataFrom([], null, eventId, provider, channel, message),
    };
    const row = windowsEventRow(ev, this.ctx.hostHint);
    row.source_line = at;
    if (wall !== null) {
      this.ctx.emit('windows_events', row);
      return;
    }
    this.held.push({ row, date });
    // Bounded memory: past the limit the held rows go out undated (counted as rows without event time).
    if (this.held.length >= MAX_HELD_ROWS) this.release();
  }

  /** Level of a level word; the few distinct words of a file are folded once. */
  private level(word: string): number | null {
    let l = this.levels.get(word);
    if (l === undefined) {
      l = LEVELS[fold(word)] ?? null;
      if (this.levels.size < 64) this.levels.set(word, l);
    }
    return l;
  }

  private utc(wall: number): number {
    return this.ctx.localZone ? this.ctx.localZone.toUtc(wall) : wall;
  }

  /** Emits the held rows: dated when the order is known, else without event time. */
  private release(): void {
    for (const { row, date } of this.held) {
      if (this.order !== null) row.event_time = this.utc(wallClock(date, this.order));
      this.ctx.emit('windows_events', row);
    }
    this.held = [];
  }

  end(): void {
    this.joiner?.end();
    this.release();
  }
}

/** Event Viewer "Save As... CSV / Text" parser (`windows_events`; local time). */
export const eventViewerTextParser: TextFamilyParser<'eventviewer_text'> = {
  family: 'eventviewer_text',
  kind: 'text',
  facts: {
    label: 'Windows events (Event Viewer CSV/Text)',
    tables: ['windows_events'],
    whereOnServer:
      'C:\\Windows\\System32\\winevt\\Logs\\ (or an export: Event Viewer, right-click the log, Save All Events As..., ' +
      'type CSV or Text, file named after the log: Security.csv)',
    localTime: true,
    untimed:
      'an English Event Viewer export whose dates never tell day from month (every date like 3/2/2021: en-US writes ' +
      'M/d/yyyy, en-GB dd/MM/yyyy) is not guessed: its rows keep no event time',
  },
  create: (ctx) => new EventViewerTextParser(ctx),
};
