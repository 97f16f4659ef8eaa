import { TABLE_ENV, type TableKey } from '../contract/environment';
import type { IntegerRange } from '../contract/limits';

/** The one place handlers read configuration from: fail loudly at init, not mid-batch. */

export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`Missing required environment variable ${name}: set it in the function's configuration`);
  }
  return value;
}

export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The name of one of the stack's tables (its TABLE_ENV variable); throws at init when unset. */
export function tableName(table: TableKey): string {
  return requiredEnv(TABLE_ENV[table]);
}

/** An integer variable within `range`; `fallback` when unset. Throws a message naming the variable otherwise. */
export function integerEnv(name: string, fallback: number, { min, max }: IntegerRange): number {
  const raw = optionalEnv(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Environment variable ${name} must be an integer in ${min}..${max}; got '${raw}'`);
  }
  return value;
}
