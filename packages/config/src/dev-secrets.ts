// Development secrets: generated once and kept in .data/dev-secrets.json, so a restart of the dev
// server keeps its sessions valid and can still decrypt the cluster secrets it stored.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DevSecrets {
  SESSION_SECRET: string;
  ENCRYPTION_KEY: string;
  SERVICE_TOKENS: string;
}

export function loadDevSecrets(file: string): DevSecrets {
  if (existsSync(file)) {
    return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  }
  const secrets: DevSecrets = {
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SERVICE_TOKENS: `dev-${randomBytes(24).toString('base64url')}`,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
