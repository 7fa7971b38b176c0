import { ScalingError } from '../errors';
import type { Clock } from '../ports';

export const systemClock: Clock = { now: () => new Date() };

/** A function's setting from its environment (serverless.yml sets them all); missing is a clear error. */
export function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ScalingError(`environment variable ${name} is not set`);
  return value;
}
