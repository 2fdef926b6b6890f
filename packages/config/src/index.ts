export { parseEnv, EnvError } from './env.ts';
export { loadDevSecrets } from './dev-secrets.ts';
