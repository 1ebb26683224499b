/**
 * Starts a real S3 HTTP API (s3rver) on 127.0.0.1 for tests, in a child process.
 *
 * Why a child process: on Node 20, s3rver's ListObjectsV2 paging needs the
 * OpenSSL legacy provider (MD5-based continuation tokens), which must be enabled
 * with a node flag at start-up (`--openssl-legacy-provider`), not at run time.
 * The child listens on a random port in a fresh temp directory and forwards
 * s3rver's S3-notification-shaped events (keys not URL-encoded, unlike real S3)
 * over IPC.
 *
 * @example
 * const s3 = await startS3rver({ buckets: ['uploads'] });
 * try { await s3.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a', Body: 'x' })); }
 * finally { await s3.stop(); }
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** An S3 event record as s3rver emits it (the shape of a real S3 notification record). */
export interface S3rverEventRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  [k: string]: unknown;
}

export interface S3rverHandle {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** The temp directory holding the buckets (removed by stop()). */
  readonly directory: string;
  /** A client configured for s3rver (path style, checksums only when required, fake credentials). */
  readonly client: S3Client;
  /** Every event record s3rver emitted so far (object created/removed), oldest first. */
  readonly events: S3rverEventRecord[];
  /** Client config to build more clients (e.g. with other options) against the same server. */
  clientConfig(extra?: Partial<S3ClientConfig>): S3ClientConfig;
  /**
   * The environment a bundled Lambda handler needs to reach this server with its own SDK client: endpoint, region,
   * fake credentials, checksums only when required, and Powertools logging at ERROR.
   */
  lambdaEnv(): Record<string, string>;
  /** Stops the server, destroys the client and removes the directory. */
  stop(): Promise<void>;
}

export interface StartS3rverOptions {
  /** Buckets to create before start. @default - none */
  readonly buckets?: readonly string[];
}

// Runs inside the child: require is resolved from the repository's node_modules (cwd).
const CHILD = `
const S3rver = require(require.resolve('s3rver', { paths: [process.cwd()] }));
const opts = JSON.parse(process.argv[1]);
const server = new S3rver({
  address: '127.0.0.1', port: 0, silent: true, directory: opts.directory,
  configureBuckets: opts.buckets.map((name) => ({ name })),
});
server.on('event', (e) => { for (const r of e.Records || []) process.send({ type: 'event', record: r }); });
server.run().then((addr) => process.send({ type: 'ready', port: addr.port }), (err) => { process.send({ type: 'error', message: String(err && err.stack || err) }); process.exit(1); });
process.on('message', (m) => { if (m === 'stop') server.close().then(() => process.exit(0), () => process.exit(0)); });
process.on('disconnect', () => process.exit(0));
`;

/** Starts s3rver on a random 127.0.0.1 port; resolves once it accepts requests. */
export async function startS3rver(options: StartS3rverOptions = {}): Promise<S3rverHandle> {
  const directory = mkdtempSync(path.join(tmpdir(), 's3rver-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', CHILD, JSON.stringify({ directory, buckets: options.buckets ?? [] })],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], cwd: path.resolve(__dirname, '..') },
  );
  const events: S3rverEventRecord[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`s3rver child exited with code ${code} before it was ready`));
    child.once('exit', onExit);
    child.on('message', (m: { type: string; port?: number; message?: string; record?: S3rverEventRecord }) => {
      if (m.type === 'ready') {
        child.off('exit', onExit);
        resolve(m.port!);
      } else if (m.type === 'error') reject(new Error(`s3rver failed to start: ${m.message}`));
      else if (m.type === 'event' && m.record) events.push(m.record);
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = (extra: Partial<S3ClientConfig> = {}): S3ClientConfig => ({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // Without these, streamed uploads are stored with their aws-chunked framing (silent corruption).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...extra,
  });
  const client = new S3Client(clientConfig());
  return {
    endpoint,
    port,
    directory,
    client,
    events,
    clientConfig,
    lambdaEnv: () => ({
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    }),
    async stop() {
      client.destroy();
      if (child.exitCode === null && child.connected) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 5000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.send('stop');
        });
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
