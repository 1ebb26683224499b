/**
 * The benchmarks' log generator: with a client population, the addresses of the requests come from that population
 * (a few busy clients, a long tail) and nothing else in the logs changes, so a bench run with `--clients=N` differs
 * from the default run by the client addresses alone.
 */
import { httpProxyLog, iisLog } from '../../testkit/gen/exchange-logs';

const START = Date.UTC(2021, 2, 1);

function iisClients(text: string): string[] {
  return text
    .split('\r\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(' ')[8]);
}

describe('generated logs with a client population', () => {
  const plain = [...iisLog({ seed: 4, host: 'EXCH01', start: START, stepMs: 250 }, 3_000_000)].join('');
  const pop = [...iisLog({ seed: 4, host: 'EXCH01', start: START, stepMs: 250, clients: 2000 }, 3_000_000)].join('');

  it('draws IIS client addresses from the population, with a busy head and a 2% random tail', () => {
    const a = iisClients(plain);
    const b = iisClients(pop);
    expect(new Set(a).size).toBeGreaterThan(0.95 * a.length);
    const counts = new Map<string, number>();
    for (const ip of b) counts.set(ip, (counts.get(ip) ?? 0) + 1);
    // The population's 2,000 addresses plus the random 2% of requests.
    expect(counts.size).toBeLessThan(2000 + 0.03 * b.length);
    const busiest = Math.max(...counts.values());
    expect(busiest).toBeGreaterThan(0.05 * b.length);
    for (const ip of counts.keys()) expect(ip).toMatch(/^(10|172|192|198|203)\.\d+\.\d+\.\d+$/);
  });

  // Shorter addresses fit more lines in the same bytes: the lines both logs have are compared, addresses masked.
  const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;
  const sameLines = (x: string, y: string) => {
    const a = x.split('\r\n');
    const b = y.split('\r\n');
    const n = Math.min(a.length, b.length) - 1;
    expect(n).toBeGreaterThan(1000);
    const mask = (l: string) => l.replace(IPV4, 'IP');
    expect(b.slice(0, n).map(mask)).toEqual(a.slice(0, n).map(mask));
  };

  it('changes nothing but the client address', () => {
    sameLines(plain, pop);
    const proxy = (clients?: number) =>
      [...httpProxyLog({ seed: 9, host: 'EXCH02', start: START, stepMs: 650, clients }, 2_000_000)].join('');
    const popProxy = proxy(50);
    sameLines(proxy(), popProxy);
    const addresses = popProxy.match(IPV4) ?? [];
    expect(addresses.length).toBeGreaterThan(1000);
    expect(new Set(addresses).size).toBeLessThan(50 + 0.03 * addresses.length);
  });
});
