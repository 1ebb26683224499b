/**
 * An HTTP proxy in front of s3rver that misbehaves on demand, the way real
 * networks do: it flips a byte in a request body (corruption in transit) or
 * cuts the connection part-way through a body (dropped connection).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'pass' | 'corrupt' | 'cut';

export interface FaultyProxy {
  readonly endpoint: string;
  /** Every request seen: method and URL (path + query). */
  readonly requests: { method: string; url: string }[];
  /** Decides the fault for each request; replace at any time. */
  decide: (req: { method: string; url: string }) => Fault;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 forwarding to `target` (an http://127.0.0.1:port endpoint). */
export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const to = new URL(target);
  const proxy: FaultyProxy = {
    endpoint: '',
    requests: [],
    decide: () => 'pass',
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const info = { method: req.method ?? 'GET', url: req.url ?? '/' };
    proxy.requests.push(info);
    const fault = proxy.decide(info);
    const upstream = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    let seen = 0;
    let flipped = false;
    req.on('data', (chunk: Buffer) => {
      if (fault === 'cut' && seen + chunk.length > 64 * 1024) {
        // Forward a little, then drop both sides as a lost connection would.
        upstream.destroy();
        req.socket.destroy();
        return;
      }
      if (fault === 'corrupt' && !flipped && chunk.length > 0) {
        chunk = Buffer.from(chunk);
        chunk[0] ^= 0xff;
        flipped = true;
      }
      seen += chunk.length;
      upstream.write(chunk);
    });
    req.on('end', () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (proxy as { endpoint: string }).endpoint = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/** The part number of an UploadPart request, or null for other requests. */
export function partNumberOf(req: { method: string; url: string }): number | null {
  if (req.method !== 'PUT') return null;
  const n = new URL(req.url, 'http://x').searchParams.get('partNumber');
  return n === null ? null : Number(n);
}
