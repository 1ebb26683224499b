import { indicatorsToCsv } from '../../src/aws/indicators-csv';
import { parseCsv } from '../../src/hunt/indicators';

describe('indicatorsToCsv', () => {
  it('writes the indicators table columns in order, quoting commas, quotes and newlines', () => {
    // Prepare
    const rows = [
      { type: 'filepath', value: 'c:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx', source: 'MSTIC', reference: 'https://example.org/a', first_seen: null, description: 'web shell, "China Chopper"\nsecond line' },
      { type: 'ip', value: '203.0.113.7', source: 'Volexity', reference: 'r', first_seen: '2021-01-06', description: undefined },
    ];

    // Act
    const csv = indicatorsToCsv(rows);
    const parsed = parseCsv(csv).map((r) => r.fields);

    // Assess
    expect(parsed[0]).toEqual(['type', 'value', 'source', 'reference', 'first_seen', 'description']);
    expect(parsed[1]).toEqual(['filepath', 'c:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx', 'MSTIC', 'https://example.org/a', '', 'web shell, "China Chopper"\nsecond line']);
    expect(parsed[2]).toEqual(['ip', '203.0.113.7', 'Volexity', 'r', '2021-01-06', '']);
  });
});
