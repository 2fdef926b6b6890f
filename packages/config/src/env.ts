// Environment parsing: each app declares its variables with zod and parses them once, at start.
import type { z } from 'zod';

export class EnvError extends Error {
  override name = 'EnvError';
}

/**
 * Parses `source` (default `process.env`) with `schema`. A missing or malformed variable throws
 * an EnvError whose message names every offending variable in a sentence.
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  source: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // Empty strings count as unset, the way shells and .env files usually mean them.
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const missing = issue.path.length > 0 && cleaned[name] === undefined;
    return missing ? `${name} is missing` : `${name} is invalid: ${issue.message}`;
  });
  throw new EnvError(`Configuration error: ${problems.join('; ')}.`);
}
