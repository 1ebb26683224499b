/**
 * board.html and report.html in a real browser: Debian's Chromium, headless, driven by playwright-core (no browser
 * is downloaded). Renders a generated board of 50 agencies x 4 hosts and a report at 1280 px and at phone width,
 * keeps the screenshots under test-artifacts/browser/ and checks what a reader relies on. Skips, saying so, when
 * Chromium is not installed (CI installs it).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildBoard } from '../../src/report/board-model';
import { renderBoard } from '../../src/report/board-html';
import { renderReport } from '../../src/report';
import { buildVerdicts } from '../../src/hunt/verdict';
import { HOSTILE, syntheticBoardInput } from './board-fixture';

const CHROMIUM = process.env.SWEEP_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'browser');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const present = fs.existsSync(CHROMIUM);
if (!present) {
  console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set SWEEP_CHROMIUM)`);
}
const maybe = present ? describe : describe.skip;

async function open(ctx: BrowserContext, file: string, width: number): Promise<Page> {
  const page = await ctx.newPage();
  await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
  await page.goto(`file://${file}`);
  return page;
}

/** Width of the page's content beyond the viewport (0: no horizontal scrolling). */
// Expressions run in the page (this project's TypeScript has no DOM types).
const overflowX = (page: Page): Promise<number> =>
  page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

maybe('board.html and report.html in Chromium', () => {
  let ctx: BrowserContext;
  let userDir: string;
  let boardFile: string;
  let reportFile: string;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const input = syntheticBoardInput(50, 4);
    boardFile = path.join(ARTIFACTS, 'board.html');
    fs.writeFileSync(boardFile, renderBoard(buildBoard(input)));
    const findings = input.findings.filter((f) => f.agency === 'agency-00' || f.agency === 'agency-04');
    const coverage = input.coverage.filter((c) => c.agency === 'agency-00' || c.agency === 'agency-04');
    reportFile = path.join(ARTIFACTS, 'report.html');
    fs.writeFileSync(
      reportFile,
      renderReport({
        generatedAt: input.generatedAt,
        window: { since: '2019-01-01', until: '2026-12-07' },
        hunts: input.hunts,
        findings,
        newFingerprints: new Set([findings[0].fingerprint]),
        verdicts: buildVerdicts(input.hunts, findings, coverage, '2019-01-01'),
        coverage,
        errors: [],
        broken: [],
        triage: input.triage,
      }),
    );
    // A fresh profile every run: nothing cached or synced from an earlier one.
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-chromium-'));
    ctx = await chromium.launchPersistentContext(userDir, { executablePath: CHROMIUM, headless: true, args: FLAGS, offline: true });
  });

  afterAll(async () => {
    await ctx?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('shows 50 agencies x 4 hosts at 1280 px without horizontal scrolling', async () => {
    // Act
    const page = await open(ctx, boardFile, 1280);
    await page.screenshot({ path: path.join(ARTIFACTS, 'board-1280.png') });
    await page.locator('#a-agency-04').screenshot({ path: path.join(ARTIFACTS, 'board-1280-agency.png') });

    // Assess
    expect(await overflowX(page)).toBeLessThanOrEqual(0);
    expect(await page.locator('table.ov tbody tr').count()).toBe(51);
    expect(await page.locator('section.agency .host').count()).toBe(200);
    expect(await page.locator('#a-agency-01').innerText()).toContain('no HttpProxy logs before 2021-02-20');
    await page.close();
  });

  it('runs nothing from the evidence, notes or agency names', async () => {
    // Prepare
    const dialogs: string[] = [];
    ctx.on('page', (p) =>
      p.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      }),
    );

    // Act
    const page = await open(ctx, boardFile, 1280);
    await page.waitForTimeout(200);
    const scripted = await page.evaluate('({ imgs: document.images.length, scripts: document.scripts.length, dialogs: 0 })');

    // Assess
    expect(scripted).toEqual({ imgs: 0, scripts: 0, dialogs: dialogs.length });
    expect(dialogs).toEqual([]);
    expect(await page.locator('body').innerText()).toContain(HOSTILE.slice(0, 30));
    await page.close();
  });

  it('stays readable at phone width: no horizontal scrolling, rows stacked', async () => {
    // Act
    const page = await open(ctx, boardFile, 390);
    await page.screenshot({ path: path.join(ARTIFACTS, 'board-390.png') });
    await page.locator('#a-agency-04').screenshot({ path: path.join(ARTIFACTS, 'board-390-agency.png') });

    // Assess
    expect(await overflowX(page)).toBeLessThanOrEqual(0);
    const bar = await page.locator('#a-agency-04 .bar').first().boundingBox();
    expect(bar!.width).toBeGreaterThan(300);
    await page.close();
  });

  it('renders report.html at 1280 px without horizontal scrolling and at phone width', async () => {
    // Act
    const wide = await open(ctx, reportFile, 1280);
    await wide.screenshot({ path: path.join(ARTIFACTS, 'report-1280.png'), fullPage: true });
    const phone = await open(ctx, reportFile, 390);
    await phone.screenshot({ path: path.join(ARTIFACTS, 'report-390.png') });

    // Assess
    expect(await overflowX(wide)).toBeLessThanOrEqual(0);
    expect(await overflowX(phone)).toBeLessThanOrEqual(0);
    expect(await wide.locator('.triage').first().innerText()).toMatch(/true-positive|benign/);
    await wide.close();
    await phone.close();
  });
});
