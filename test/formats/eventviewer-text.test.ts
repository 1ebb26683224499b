/**
 * The eventviewer_text family: Event Viewer's "Save All Events As..." in the CSV (Comma Separated) and Text (Tab
 * Delimited) types. Fixtures are written from what Event Viewer shows in its columns (Level, Date and Time, Source,
 * Event ID, Task Category) and the rendered message as the last, unnamed field; the date is local time.
 *
 * Non-English Windows (Belgian agencies run French, Dutch and German) writes the header, the level words and the date
 * in its UI language and culture. Strings checked against: a German Event Viewer CSV export quoted in a public
 * dataset description of mdecrevoisier/EVTX-to-MITRE-Attack ("Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,
 * Aufgabenkategorie", "Informationen", "Fehler", "27.10.2021 12:28:26"); the French Event Viewer help (forsenergy.com
 * fr-fr/eventviewer: "Niveau", "Source", "ID de l'événement", levels "Informations", "Avertissement", "Erreur") and a
 * French Event Viewer screen ("Date et heure", "Succès de l'audit", "Échec de l'audit"); German audit keywords
 * "Überwachung erfolgreich" / "Überwachung gescheitert" as pywin32 consumers map them; Dutch "Bron", "Gebeurtenis-id",
 * "Niveau" and the level "fout" from Microsoft's nl-nl Azure VM troubleshooting page that quotes an Event Viewer
 * event (the Dutch date column "Datum en tijd" and the audit words are not confirmed by a source). Date patterns are the cultures'
 * short date + long time (.NET/Windows defaults): en-US M/d/yyyy h:mm:ss tt, en-GB dd/MM/yyyy HH:mm:ss, fr-FR and
 * nl-BE dd/MM/yyyy (nl-BE d/MM/yyyy), fr-BE dd-MM-yy, nl-NL d-M-yyyy, de-DE dd.MM.yyyy.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { normalizeUpload } from '../../src/pipeline';
import { parseZone } from '../../src/formats/text/zone';
import { buildZip } from '../support/archive-builders';
import { channelFromFileName, eventViewerHeader } from '../../src/formats/windows/eventviewer-text';
import { iso, runDetectedParser } from './run-parser';

const MSG_4688 = [
  'A new process has been created.',
  '',
  'Creator Subject:',
  '\tSecurity ID:\t\tS-1-5-18',
  '\tAccount Name:\t\tEXCH01$',
  '\tAccount Domain:\t\tCORP',
  '\tLogon ID:\t\t0x3E7',
  '',
  'Process Information:',
  '\tNew Process ID:\t\t0x1a2c',
  '\tNew Process Name:\tC:\\Windows\\System32\\cmd.exe',
  '\tToken Elevation Type:\t%%1936',
  '\tCreator Process ID:\t0x1b2c',
  '\tCreator Process Name:\tC:\\Windows\\System32\\inetsrv\\w3wp.exe',
  '\tProcess Command Line:\tcmd /c "whoami"',
].join('\r\n');

const MSG_4663 = [
  'An attempt was made to access an object.',
  '',
  'Subject:',
  '\tSecurity ID:\t\tS-1-5-18',
  '\tAccount Name:\t\tEXCH01$',
  '\tAccount Domain:\t\tCORP',
  '',
  'Object:',
  '\tObject Server:\t\tSecurity',
  '\tObject Type:\t\tFile',
  '\tObject Name:\t\tC:\\inetpub\\wwwroot\\aspnet_client\\system_web\\supp0rt.aspx',
  '',
  'Process Information:',
  '\tProcess ID:\t\t0x1b2c',
  '\tProcess Name:\t\tC:\\Windows\\System32\\inetsrv\\w3wp.exe',
  '',
  'Access Request Information:',
  '\tAccesses:\t\tWriteData (or AddFile)',
  '\tAccess Mask:\t\t0x2',
].join('\r\n');

const EVENTS = [
  ['Audit Success', '3/3/2021 3:20:01 AM', 'Microsoft-Windows-Security-Auditing', '4688', 'Process Creation', MSG_4688],
  ['Audit Success', '3/3/2021 3:13:15 AM', 'Microsoft-Windows-Security-Auditing', '4663', 'File System', MSG_4663],
];

function quote(s: string): string {
  return /[",\t\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** "Save All Events As..." > CSV (Comma Separated). */
function eventViewerCsv(events: string[][]): string {
  return ['Level,Date and Time,Source,Event ID,Task Category', ...events.map((e) => e.map(quote).join(','))].join('\r\n') + '\r\n';
}

/** "Save All Events As..." > Text (Tab Delimited), UTF-16 LE with BOM. */
function eventViewerText(events: string[][]): Buffer {
  const text =
    ['Level\tDate and Time\tSource\tEvent ID\tTask Category', ...events.map((e) => e.map(quote).join('\t'))].join('\r\n') + '\r\n';
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

const BRUSSELS = parseZone('Europe/Brussels');

describe('eventviewer_text', () => {
  it('reads the CSV type: local time in the agency zone, channel from the file name, data from the message', async () => {
    // Act
    const r = await runDetectedParser(Buffer.from(eventViewerCsv(EVENTS)), 'EXCH01/Security.csv', {
      localZone: BRUSSELS,
      hostHint: 'EXCH01',
    });
    // Assess
    expect(r.family).toBe('eventviewer_text');
    expect(r.rejects).toEqual([]);
    expect(r.rows.map((x) => iso(x.event_time))).toEqual(['2021-03-03T02:20:01.000Z', '2021-03-03T02:13:15.000Z']);
    expect(r.rows[0]).toMatchObject({
      host: 'EXCH01',
      channel: 'Security',
      provider: 'Microsoft-Windows-Security-Auditing',
      event_id: 4688,
      level: 0,
      source_line: 2,
      image: 'C:\\Windows\\System32\\cmd.exe',
      parent_image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      command_line: 'cmd /c "whoami"',
    });
    expect(r.rows[1]).toMatchObject({
      event_id: 4663,
      image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      access_mask: '0x2',
      target_filename: 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\supp0rt.aspx',
    });
  });

  it('reads the Text type (tab-delimited, UTF-16) into the rows of the CSV type', async () => {
    // Prepare
    const csv = await runDetectedParser(Buffer.from(eventViewerCsv(EVENTS)), 'Security.csv', { localZone: BRUSSELS });
    // Act
    const r = await runDetectedParser(eventViewerText(EVENTS), 'Security.txt', { localZone: BRUSSELS });
    // Assess
    expect(r.family).toBe('eventviewer_text');
    expect(r.rejects).toEqual([]);
    expect(r.rows).toEqual(csv.rows);
  });

  it('reads times as UTC when no zone is given, and the channel from a Security auditing source when the name is not a log', async () => {
    // Act
    const r = await runDetectedParser(Buffer.from(eventViewerCsv(EVENTS)), 'export1.csv');
    // Assess
    expect(iso(r.rows[0].event_time)).toBe('2021-03-03T03:20:01.000Z');
    expect(r.rows[0].channel).toBe('Security');
  });

  it('reads an export of zero events (header only) without rows or rejects', async () => {
    // Act
    const r = await runDetectedParser(Buffer.from('Level,Date and Time,Source,Event ID,Task Category\r\n'), 'Application.csv');
    // Assess
    expect(r.family).toBe('eventviewer_text');
    expect(r.rows).toEqual([]);
    expect(r.rejects).toEqual([]);
  });

  it('rejects a bad date, a bad event id and a truncated last record, each alone with its reason', async () => {
    // Prepare
    const events = [
      EVENTS[0],
      ['Information', '31/31/2021 1:00:00 PM', 'MSExchange Common', '4999', 'General', 'x'],
      ['Error', '3/3/2021 1:00:00 PM', 'X', 'n/a', 'None', 'y'],
      EVENTS[1],
    ];
    const full = eventViewerCsv(events);
    const cut = full.slice(0, full.lastIndexOf('Access Request Information:'));
    // Act
    const r = await runDetectedParser(Buffer.from(cut), 'System.csv');
    // Assess
    expect(r.rows.map((x) => x.event_id)).toEqual([4688]);
    expect(r.rows[0].channel).toBe('System');
    expect(r.rejects.map((x) => x.reason)).toEqual([
      expect.stringMatching(/bad Date and Time "31\/31\/2021 1:00:00 PM"/),
      expect.stringMatching(/bad Event ID "n\/a"/),
      expect.stringMatching(/never closed/),
    ]);
  });

  it('names the channel of an exported log from its file name', () => {
    // Assess
    expect(channelFromFileName('up.zip!EXCH01/Microsoft-Windows-Sysmon%4Operational.txt')).toBe('Microsoft-Windows-Sysmon/Operational');
    expect(channelFromFileName('up.zip!EXCH01\\MSExchange Management.csv')).toBe('MSExchange Management');
    expect(channelFromFileName('events-march.csv')).toBeNull();
  });

  it('goes through the pipeline: the server folder names the host, the agency zone dates the rows', async () => {
    // Prepare
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evtext-'));
    try {
      const input = path.join(tmp, 'upload.zip');
      fs.writeFileSync(input, buildZip([{ name: 'EXCH01/Security.txt', data: eventViewerText(EVENTS) }]));
      // Act
      const { manifest } = await normalizeUpload({
        inputs: [input],
        agency: 'doj',
        uploadId: 'up-evtext',
        lakeRoot: path.join(tmp, 'root'),
        tmpDir: tmp,
        hostOverride: null,
        localTimeZone: 'Europe/Brussels',
      });
      // Assess
      expect(manifest.entries).toHaveLength(1);
      expect(manifest.entries[0]).toMatchObject({
        family: 'eventviewer_text',
        host_hint: 'EXCH01',
        hosts: ['EXCH01'],
        rows: { windows_events: 2 },
        rejections: { total: 0 },
        rows_without_time: 0,
      });
      expect(manifest.coverage).toEqual([
        expect.objectContaining({
          host: 'EXCH01',
          family: 'eventviewer_text',
          first_event: '2021-03-03T02:13:15.000Z',
          last_event: '2021-03-03T02:20:01.000Z',
        }),
      ]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('accounts in the manifest for the rows of an English export whose dates never tell day from month', async () => {
    // Prepare: a one-day en-US or en-GB export (02/03 is 3 February or 2 March), and a French one (always day first).
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evtext-'));
    try {
      const input = path.join(tmp, 'upload.zip');
      const en = eventViewerCsv([
        ['Information', '02/03/2021 10:00:00', 'MSExchange Common', '4999', 'General', 'a'],
        ['Information', '02/03/2021 11:00:00', 'MSExchange Common', '4999', 'General', 'b'],
      ]);
      const fr = 'Niveau,Date et heure,Source,ID de l’événement,Catégorie de la tâche\r\nErreur,02/03/2021 10:00:00,X,1,Aucun,m\r\n';
      fs.writeFileSync(
        input,
        buildZip([
          { name: 'EXCH01/Application.csv', data: Buffer.from(en) },
          { name: 'EXCH02/Application.csv', data: Buffer.from(fr) },
        ]),
      );
      // Act
      const { manifest } = await normalizeUpload({
        inputs: [input],
        agency: 'doj',
        uploadId: 'up-evamb',
        lakeRoot: path.join(tmp, 'root'),
        tmpDir: tmp,
        hostOverride: null,
        localTimeZone: 'Europe/Brussels',
      });
      // Assess
      const byHost = Object.fromEntries(manifest.entries.map((e) => [e.host_hint, e]));
      expect(byHost.EXCH01).toMatchObject({ rows: { windows_events: 2 }, rejections: { total: 0 }, rows_without_time: 2 });
      expect(byHost.EXCH01.rows_without_time_reason).toMatch(/day from month/);
      expect(byHost.EXCH02).toMatchObject({ rows: { windows_events: 1 }, rows_without_time: 0 });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  describe('non-English Windows', () => {
    const LOCALIZED: [string, string, string[][], string[]][] = [
      [
        'fr-FR',
        'Niveau,Date et heure,Source,ID de l’événement,Catégorie de la tâche',
        [
          [
            "Succès de l'audit",
            '02/03/2021 10:15:30',
            'Microsoft-Windows-Security-Auditing',
            '4624',
            'Ouvrir la session',
            'Un compte a été correctement connecté.',
          ],
          ['Avertissement', '13/03/2021 23:59:59', 'MSExchange Common', '4999', 'Général', 'x'],
          ['Erreur', '01/04/2021 00:00:00', 'MSExchange Common', '4999', 'Général', 'y'],
        ],
        ['2021-03-02T10:15:30.000Z', '2021-03-13T23:59:59.000Z', '2021-04-01T00:00:00.000Z'],
      ],
      [
        'fr-BE',
        "Niveau,Date et heure,Source,ID de l'événement,Catégorie de la tâche",
        [
          ['Information', '02-03-21 10:15:30', 'MSExchange Common', '4999', 'Général', 'x'],
          ['Critique', '03-02-21 08:00:00', 'MSExchange Common', '4999', 'Général', 'y'],
        ],
        ['2021-03-02T10:15:30.000Z', '2021-02-03T08:00:00.000Z'],
      ],
      [
        'nl-BE',
        'Niveau,Datum en tijd,Bron,Gebeurtenis-id,Taakcategorie',
        [
          ['Informatie', '2/03/2021 10:15:30', 'MSExchange Common', '4999', 'Algemeen', 'x'],
          ['Waarschuwing', '3/02/2021 10:15:30', 'MSExchange Common', '4999', 'Algemeen', 'y'],
          ['Controle geslaagd', '4/03/2021 9:05:01', 'Microsoft-Windows-Security-Auditing', '4688', 'Procesmaken', 'z'],
        ],
        ['2021-03-02T10:15:30.000Z', '2021-02-03T10:15:30.000Z', '2021-03-04T09:05:01.000Z'],
      ],
      [
        'nl-NL',
        'Niveau,Datum en tijd,Bron,Gebeurtenis-id,Taakcategorie',
        [
          ['Fout', '2-3-2021 10:15:30', 'MSExchange Common', '4999', 'Algemeen', 'x'],
          ['Kritiek', '11-12-2021 23:00:00', 'MSExchange Common', '4999', 'Algemeen', 'y'],
        ],
        ['2021-03-02T10:15:30.000Z', '2021-12-11T23:00:00.000Z'],
      ],
      [
        'de-DE',
        'Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie',
        [
          ['Informationen', '02.03.2021 10:15:30', 'MSExchange Common', '4999', 'Allgemein', 'x'],
          ['Fehler', '03.02.2021 10:15:30', 'MSExchange Common', '4999', 'Allgemein', 'y'],
          ['Überwachung erfolgreich', '04.03.2021 00:00:01', 'Microsoft-Windows-Security-Auditing', '4624', 'Anmelden', 'z'],
        ],
        ['2021-03-02T10:15:30.000Z', '2021-02-03T10:15:30.000Z', '2021-03-04T00:00:01.000Z'],
      ],
      [
        'en-GB',
        'Level,Date and Time,Source,Event ID,Task Category',
        [
          ['Information', '02/03/2021 10:15:30', 'MSExchange Common', '4999', 'General', 'x'],
          ['Warning', '25/03/2021 10:15:30', 'MSExchange Common', '4999', 'General', 'y'],
        ],
        ['2021-03-02T10:15:30.000Z', '2021-03-25T10:15:30.000Z'],
      ],
      [
        'en-US',
        'Level,Date and Time,Source,Event ID,Task Category',
        [
          ['Information', '3/2/2021 10:15:30 AM', 'MSExchange Common', '4999', 'General', 'x'],
          ['Error', '3/25/2021 10:15:30 PM', 'MSExchange Common', '4999', 'General', 'y'],
        ],
        ['2021-03-02T10:15:30.000Z', '2021-03-25T22:15:30.000Z'],
      ],
    ];

    it.each(LOCALIZED)(
      'reads a %s export: header, level words and day/month order of its culture',
      async (_culture, header, events, want) => {
        // Prepare
        const csv = [header, ...events.map((e) => e.map(quote).join(','))].join('\r\n') + '\r\n';
        // Act
        const r = await runDetectedParser(Buffer.from(csv), 'EXCH01/Application.csv', { hostHint: 'EXCH01' });
        // Assess
        expect(r.family).toBe('eventviewer_text');
        expect(r.rejects).toEqual([]);
        expect(r.rows.map((x) => iso(x.event_time)).sort()).toEqual([...want].sort());
        expect(r.rows.every((x) => typeof x.level === 'number')).toBe(true);
      },
    );

    it('maps the level words of each language to the same levels', async () => {
      // Prepare
      const words: [string, number][] = [
        ['Avertissement', 3],
        ['Erreur', 2],
        ['Critique', 1],
        ["Échec de l'audit", 0],
        ['Waarschuwing', 3],
        ['Fout', 2],
        ['Kritiek', 1],
        ['Controle mislukt', 0],
        ['Warnung', 3],
        ['Fehler', 2],
        ['Kritisch', 1],
        ['Überwachung gescheitert', 0],
      ];
      const csv = [
        'Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie',
        ...words.map(([w]) => `${quote(w)},02.03.2021 10:15:30,X,1,Keine,m`),
      ].join('\r\n');
      // Act
      const r = await runDetectedParser(Buffer.from(csv), 'Application.csv');
      // Assess
      expect(r.rows.map((x) => x.level)).toEqual(words.map(([, l]) => l));
    });

    it('reads a German Text export (tab-delimited, UTF-16 with BOM) and a French one whose accents a code page lost', async () => {
      // Prepare
      const de =
        'Ebene\tDatum und Uhrzeit\tQuelle\tEreignis-ID\tAufgabenkategorie\r\nInformationen\t27.10.2021 12:28:26\tMicrosoft-Windows-PrintService\t317\tx\tm\r\n';
      const deBuf = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(de, 'utf16le')]);
      const fr = Buffer.from(
        "Niveau,Date et heure,Source,ID de l'\u00e9v\u00e9nement,Cat\u00e9gorie de la t\u00e2che\r\nErreur,02/03/2021 10:15:30,X,1,Aucun,m\r\n",
        'latin1',
      );
      // Act
      const a = await runDetectedParser(deBuf, 'System.txt');
      const b = await runDetectedParser(fr, 'System.csv');
      // Assess
      expect(a.family).toBe('eventviewer_text');
      expect(a.rows.map((x) => [iso(x.event_time), x.event_id, x.level])).toEqual([['2021-10-27T12:28:26.000Z', 317, 4]]);
      expect(b.family).toBe('eventviewer_text');
      expect(b.rows.map((x) => [iso(x.event_time), x.level])).toEqual([['2021-03-02T10:15:30.000Z', 2]]);
    });

    it('never guesses the day/month order of an English export: held until a date tells it, else no event time', async () => {
      // Prepare: the first dates read both ways; the third (13th) tells en-GB.
      const told = eventViewerCsv([
        ['Information', '02/03/2021 10:00:00', 'X', '1', 'None', 'a'],
        ['Information', '05/03/2021 10:00:00', 'X', '1', 'None', 'b'],
        ['Information', '13/03/2021 10:00:00', 'X', '1', 'None', 'c'],
      ]);
      const untold = eventViewerCsv([
        ['Information', '02/03/2021 10:00:00', 'X', '1', 'None', 'a'],
        ['Information', '04/04/2021 10:00:00', 'X', '1', 'None', 'b'],
      ]);
      // Act
      const a = await runDetectedParser(Buffer.from(told), 'Application.csv');
      const b = await runDetectedParser(Buffer.from(untold), 'Application.csv');
      // Assess
      expect(a.rejects).toEqual([]);
      expect(a.rows.map((x) => [x.message, iso(x.event_time)])).toEqual([
        ['a', '2021-03-02T10:00:00.000Z'],
        ['b', '2021-03-05T10:00:00.000Z'],
        ['c', '2021-03-13T10:00:00.000Z'],
      ]);
      expect(b.rejects).toEqual([]);
      // 04/04 is the same day either way; 02/03 cannot be told: the row is kept, without event time.
      expect(b.rows.map((x) => [x.message, x.event_time === null || x.event_time === undefined ? null : iso(x.event_time)])).toEqual([
        ['b', '2021-04-04T10:00:00.000Z'],
        ['a', null],
      ]);
    });

    it('rejects, with its reason, a date that contradicts the order the file has shown', async () => {
      // Prepare
      const csv = eventViewerCsv([
        ['Information', '3/25/2021 10:00:00 AM', 'X', '1', 'None', 'a'],
        ['Information', '25/3/2021 10:00:00 AM', 'X', '1', 'None', 'b'],
        ['Information', '13/13/2021 10:00:00 AM', 'X', '1', 'None', 'c'],
      ]);
      // Act
      const r = await runDetectedParser(Buffer.from(csv), 'Application.csv');
      // Assess
      expect(r.rows.map((x) => x.message)).toEqual(['a']);
      expect(r.rejects).toEqual([
        { lineNo: 3, reason: expect.stringMatching(/bad Date and Time "25\/3\/2021 10:00:00 AM": not month-first/) },
        { lineNo: 4, reason: 'bad Date and Time "13/13/2021 10:00:00 AM"' },
      ]);
    });

    it('rejects a German date that is not day-first', async () => {
      // Prepare
      const csv = 'Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie\r\nFehler,03.13.2021 10:15:30,X,1,Keine,m\r\n';
      // Act
      const r = await runDetectedParser(Buffer.from(csv), 'Application.csv');
      // Assess
      expect(r.rows).toEqual([]);
      expect(r.rejects).toEqual([
        { lineNo: 2, reason: expect.stringMatching(/not day-first as Windows in its header's language \(de\) writes/) },
      ]);
    });

    it('tells the language by the date column and finds every column whatever its position', () => {
      // Assess
      expect(eventViewerHeader(['Quelle', 'Ebene', 'Ereignis-ID', 'Datum und Uhrzeit'])?.language).toBe('de');
      expect(eventViewerHeader(['Niveau', 'Datum en tijd', 'Bron', 'Gebeurtenis-id'])?.language).toBe('nl');
      expect(eventViewerHeader(['Niveau', 'Date et heure', 'Source', "ID de l'événement"])?.language).toBe('fr');
      expect(eventViewerHeader(['Niveau', 'Source', "ID de l'événement"])).toBeNull();
      expect(eventViewerHeader(['Level', 'Date', 'Source', 'Event ID'])).toBeNull();
    });
  });
});
