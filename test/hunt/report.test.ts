import { renderReport, escapeHtml } from '../../src/report';
import { renderSummary, safeText } from '../../src/notify/console';
import { rowsToFindings } from '../../src/hunt/findings';
import { buildVerdicts } from '../../src/hunt/verdict';
import { makeHunt } from './helpers';

const hunt = makeHunt('SELECT 1', { references: ['https://example.org/ref', 'javascript:alert(1)'] as unknown as string[] });
const evil = '<script>alert(1)</script>\u001b[2J\u001b]0;pwned\u0007';
const findings = rowsToFindings(hunt, [
  {
    agency: 'dhs',
    host: 'EXCH01',
    first_seen: '2021-03-03T03:21:00.000Z',
    last_seen: '2021-03-03T03:21:00.000Z',
    hits: 2,
    anchor_mailbox: evil,
  },
]);
const coverage = [
  {
    agency: 'dhs',
    host: 'EXCH01',
    family: 'httpproxy',
    rows: 5,
    files: 1,
    firstEvent: '2021-03-01T00:00:00.000Z',
    lastEvent: '2021-03-05T00:00:00.000Z',
    ranges: [{ from: '2021-03-01', to: '2021-03-05', days: 5 }],
    channels: {},
  },
];
const verdicts = buildVerdicts([hunt], findings, coverage, '2019-01-01');

describe('renderReport', () => {
  const html = renderReport({
    generatedAt: new Date('2026-01-01T00:00:00Z'),
    window: { since: '2019-01-01', until: '2026-01-01' },
    hunts: [hunt],
    findings,
    newFingerprints: new Set([findings[0].fingerprint]),
    verdicts,
    coverage,
    errors: [],
    broken: [],
  });

  it('escapes attacker-controlled evidence and runs no script', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain("default-src 'none'");
  });

  it('links http(s) references only', () => {
    expect(html).toContain('<a href="https://example.org/ref"');
    expect(html).not.toContain('href="javascript:');
  });

  it('shows the verdict, the coverage timeline and the findings', () => {
    expect(html).toContain('<span class="badge red">RED</span><strong>EXCH01</strong>');
    expect(html).toContain('HttpProxy logs on EXCH01 cover 2021-03-01..2021-03-05: nothing before 2021-03-01 can be judged');
    expect(html).toMatch(/<div class="bar"><span style="left:0\.000%;width:100\.000%"/);
    expect(html).toContain('<span class="new">NEW</span>');
  });
});

describe('escapeHtml', () => {
  it('escapes quotes for attributes', () => {
    expect(escapeHtml(`"'<>&\``)).toBe('&#34;&#39;&#60;&#62;&#38;&#96;');
  });
});

describe('renderSummary', () => {
  it('escapes terminal control sequences from evidence and ends with the verdict', () => {
    // Act
    const text = renderSummary(
      {
        findings,
        newFingerprints: new Set(),
        verdicts,
        errors: [],
        broken: [],
        huntsRun: 1,
        window: { since: '2019-01-01', until: '2026-01-01' },
      },
      false,
    );
    // Assess
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).toContain('\\x1b[2J');
    expect(text).toMatch(
      /Verdict\n {2}RED {4}EXCH01 \(agency dhs\): confirmed exploitation patterns \(1 critical\)\n {9}HttpProxy logs on EXCH01 cover/,
    );
  });

  it('colours only when asked', () => {
    // Act
    const plain = renderSummary(
      { findings, newFingerprints: new Set(), verdicts, errors: [], broken: [], huntsRun: 1, window: { since: 'a', until: 'b' } },
      false,
    );
    const colour = renderSummary(
      { findings, newFingerprints: new Set(), verdicts, errors: [], broken: [], huntsRun: 1, window: { since: 'a', until: 'b' } },
      true,
    );
    // Assess
    expect(colour).toContain('\u001b[31mRED');
    expect(plain.replace(/\\x1b/g, '')).not.toMatch(/\u001b/);
  });
});

describe('safeText', () => {
  it('cuts long values and says how long they were', () => {
    expect(safeText('x'.repeat(300), 10)).toBe('xxxxxxxxxx... (300 chars)');
  });
});
