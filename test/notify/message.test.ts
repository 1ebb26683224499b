import { findingFromMessage, findingMessage, MAX_MESSAGE_BYTES, toSubject } from '../../src/notify/message';
import { sampleFinding } from '../aws/fixtures';

describe('findingMessage', () => {
  it('writes a subject with severity, host, hunt and agency, and routing attributes', () => {
    // Prepare
    const f = sampleFinding();

    // Act
    const msg = findingMessage(f, {
      resultLocation: 's3://sweep-results/hunts/q-1.csv',
      queryExecutionId: 'q-1',
      runbook: '1. Isolate EXCH01.',
    });

    // Assess
    expect(msg.subject).toBe('[CRITICAL] EXCH01: ProxyLogon SSRF: ServerInfo~ AnchorMailbox in HttpProxy logs (doj)');
    expect(msg.attributes).toEqual({ agency: 'doj', severity: 'critical', kind: 'finding', hunt_id: f.hunt_id });
    expect(msg.body).toContain('First seen: 2021-03-02T10:15:30.000Z');
    expect(msg.body).toContain('Last seen:  2021-03-03T02:01:12.000Z');
    expect(msg.body).toContain('  anchor_mailbox: ServerInfo~a]@EXCH01.corp.example.gov:444/ecp/proxyLogon.ecp?#');
    expect(msg.body).toContain('What to do next:\n1. Isolate EXCH01.');
    expect(msg.body).toContain('  s3://sweep-results/hunts/q-1.csv (Athena query q-1)');
    expect(findingFromMessage(msg.body)).toEqual(f);
  });

  it('keeps subjects ASCII, single-line and under 100 characters', () => {
    // Prepare
    const f = sampleFinding({ host: null, title: 'Web shell Ã©crit\nsous C:\\inetpub\\wwwroot\\aspnet_client\\' + 'x'.repeat(200) });

    // Act
    const msg = findingMessage(f);

    // Assess
    expect(msg.subject.length).toBeLessThan(100);
    expect(msg.subject).toMatch(/^\[CRITICAL\] unknown host: Web shell /);
    expect(msg.subject).toMatch(/^[\x20-\x7e]+$/);
    expect(msg.subject.endsWith('...')).toBe(true);
    expect(toSubject('é\tok')).toBe('e ok');
  });

  it('shortens huge evidence so the message stays under the SNS limit, and says so', () => {
    // Prepare
    const f = sampleFinding({ evidence: { command_line: 'powershell -enc ' + 'A'.repeat(600_000) } });

    // Act
    const msg = findingMessage(f);

    // Assess
    expect(Buffer.byteLength(msg.body, 'utf8')).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const back = findingFromMessage(msg.body) as unknown as Record<string, unknown>;
    expect(back.evidence_truncated).toBe(true);
    expect(String((back.evidence as Record<string, string>).command_line)).toMatch(/^powershell -enc A+\.\.\.\[truncated \d+ chars\]$/);
    expect(msg.body).toContain('more characters)');
  });

  it('throws when a body has no finding JSON section', () => {
    expect(() => findingFromMessage('hello')).toThrow('message has no "--- finding (JSON) ---" section');
  });
});
