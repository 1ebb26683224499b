/**
 * Reading a Lambda's configuration from its environment, once, at module scope
 * of a handler (the construct set the variables). Only handlers call this.
 */
import { AwsAdapterConfigError } from './errors';

/** The value of a required environment variable; throws naming it when absent or empty. */
export function getStringFromEnv(env: NodeJS.ProcessEnv, key: string, errorMessage?: string): string {
  const v = env[key];
  if (v === undefined || v.trim() === '')
    throw new AwsAdapterConfigError(errorMessage ?? `environment variable ${key} must be set (the construct sets it)`);
  return v;
}
