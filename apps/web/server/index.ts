// @hops/web/server: what other workspace packages (the cross-app tests, the benchmarks) take from
// the API/web server. They run it as an operator does (`server/main.ts` in WEB_ROOT) or through
// @hops/web/testing; nothing else of server/ is theirs to import.
export { SESSION_COOKIE, sealSession } from './auth/session.ts';
export { WEB_ROOT } from './static.ts';
