/**
 * Runs a CLI command in the test process (no bundling, no child): for output
 * formats and usage errors, where the built-CLI runs of the e2e tests would only add time.
 * Errors are returned as thrown (main's handleError, which exits, is not involved).
 */
import { buildProgram } from '../../src/cli/main';

export interface InProcessRun {
  readonly stdout: string;
  readonly error: unknown;
  readonly exitCode: number | undefined;
}

export async function runInProcess(args: readonly string[]): Promise<InProcessRun> {
  let stdout = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  const errWrite = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const before = process.exitCode;
  let error: unknown = null;
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(['node', 'sweep', ...args]);
  } catch (err) {
    error = err;
  } finally {
    write.mockRestore();
    errWrite.mockRestore();
  }
  const exitCode = process.exitCode === before ? undefined : (process.exitCode as number | undefined);
  process.exitCode = before;
  return { stdout, error, exitCode };
}
