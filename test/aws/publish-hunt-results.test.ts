import { PublishError } from '../../src/aws/errors';
import { publishHuntResults, UnknownHuntError } from '../../src/aws/publish-hunt-results';
import { rowsToFindings } from '../../src/hunt/findings';
import { parseQueryFile } from '../../src/hunt/query-file';
import type { Finding } from '../../src/hunt/types';
import { findingFromMessage, type NotificationMessage } from '../../src/notify/message';

const hunt = parseQueryFile(
  'q.sql',
  `/* ---
id: 6f1c3d2e-8a7b-4c0e-9a55-2f1d6c1f7b21
name: ProxyLogon SSRF anchor mailbox
status: stable
severity: critical
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [httpproxy]
key_fields: [anchor_mailbox]
description: ServerInfo~ anchor mailbox in HttpProxy logs.
references: [https://github.com/microsoft/CSS-Exchange]
runbook: |
  1. Isolate the server.
--- */
SELECT agency, host, anchor_mailbox, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits FROM web_requests WHERE dt BETWEEN ? AND ? GROUP BY 1, 2, 3
`,
);
const ROWS = [
  {
    agency: 'doj',
    host: 'EXCH01',
    anchor_mailbox: 'ServerInfo~a]@EXCH01:444/ecp/y.js',
    first_seen: '2021-03-02T10:15:30.000Z',
    last_seen: '2021-03-03T02:00:00.000Z',
    hits: 14,
  },
  {
    agency: 'dhs',
    host: 'MAIL2',
    anchor_mailbox: 'ServerInfo~b]@MAIL2:444/ecp/z.js',
    first_seen: '2019-04-01T00:00:00.000Z',
    last_seen: '2019-04-01T00:00:00.000Z',
    hits: 1,
  },
];

function fakes(seen: Set<string>) {
  const published: NotificationMessage[][] = [];
  const marked: Finding[][] = [];
  const calls: string[] = [];
  return {
    published,
    marked,
    calls,
    ports: {
      hunts: [hunt],
      readResults: async (id: string) => {
        calls.push(`read:${id}`);
        return ROWS;
      },
      toFindings: rowsToFindings,
      dedup: {
        filterNew: async (f: readonly Finding[]) => f.filter((x) => !seen.has(x.fingerprint)),
        markSeen: async (f: readonly Finding[]) => {
          calls.push('mark');
          marked.push([...f]);
          f.forEach((x) => seen.add(x.fingerprint));
        },
      },
      publish: async (m: readonly NotificationMessage[]) => {
        calls.push('publish');
        published.push([...m]);
      },
    },
  };
}

describe('publishHuntResults', () => {
  const req = {
    run_id: 'r1',
    hunt_id: hunt.meta.id,
    query_execution_id: 'q-1',
    output_location: 's3://results/athena/q-1.csv',
    data_scanned_bytes: 42,
  };

  it('publishes each new finding to its agency, then records it; a re-run publishes nothing', async () => {
    // Prepare
    const seen = new Set<string>();
    const f = fakes(seen);

    // Act
    const first = await publishHuntResults(req, f.ports);
    const second = await publishHuntResults(req, f.ports);

    // Assess
    expect(first).toEqual({ hunt_id: hunt.meta.id, ok: true, findings: 2, new_findings: 2, data_scanned_bytes: 42 });
    expect(second).toMatchObject({ findings: 2, new_findings: 0 });
    expect(f.calls).toEqual(['read:q-1', 'publish', 'mark', 'read:q-1']);
    const msgs = f.published[0];
    expect(msgs.map((m) => m.attributes)).toEqual([
      { agency: 'doj', severity: 'critical', kind: 'finding', hunt_id: hunt.meta.id },
      { agency: 'dhs', severity: 'critical', kind: 'finding', hunt_id: hunt.meta.id },
    ]);
    expect(msgs[0].body).toContain('1. Isolate the server.');
    expect(msgs[0].body).toContain('s3://results/athena/q-1.csv (Athena query q-1)');
    expect(findingFromMessage(msgs[1].body)).toMatchObject({
      agency: 'dhs',
      host: 'MAIL2',
      first_seen: '2019-04-01T00:00:00.000Z',
      count: 1,
      evidence: { anchor_mailbox: 'ServerInfo~b]@MAIL2:444/ecp/z.js' },
    });
  });

  it('does not record findings whose publication failed (they are retried, not lost)', async () => {
    // Prepare
    const seen = new Set<string>();
    const f = fakes(seen);
    const failing = {
      ...f.ports,
      publish: async () => {
        throw new Error('sns down');
      },
    };

    // Act
    const err = await publishHuntResults(req, failing).catch((e) => e);

    // Assess
    expect(err.message).toBe('sns down');
    expect(f.marked).toEqual([]);
    expect(seen.size).toBe(0);
  });

  it('throws UnknownHuntError for a hunt the function was not deployed with', async () => {
    await expect(publishHuntResults({ ...req, hunt_id: 'nope' }, fakes(new Set()).ports)).rejects.toThrow(UnknownHuntError);
  });

  it('records what went out before a publish failed, so the retry sends only the rest', async () => {
    // Prepare: the second of two publish calls fails once, after the first went out.
    const seen = new Set<string>();
    const f = fakes(seen);
    let attempts = 0;
    const sent: string[] = [];
    f.ports.publish = async (m: readonly NotificationMessage[]) => {
      attempts++;
      sent.push(m[0].subject);
      if (attempts === 1) throw new PublishError('sns refused a batch of 1 messages (from #1): Rate exceeded', undefined, [0]);
      if (m.length > 1) sent.push(...m.slice(1).map((x) => x.subject));
    };

    // Act
    const failed = await publishHuntResults(req, f.ports).catch((e: unknown) => e);
    const retried = await publishHuntResults(req, f.ports);

    // Assess
    expect(failed).toBeInstanceOf(PublishError);
    expect(retried.new_findings).toBe(1);
    expect(seen.size).toBe(2);
    expect(new Set(sent).size).toBe(sent.length);
  });
});
