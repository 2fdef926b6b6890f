// The bot's one logger (pino), and an adapter so Bolt and the Slack Web API client log through it.
import type { Logger as SlackLogger } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Logs JSON lines to stdout, or to stderr (`fd: 2`) for the `ask` command whose stdout is the reply. */
export function createLogger(level: LevelWithSilent = 'info', fd: 1 | 2 = 1): Logger {
  return pino({ name: 'hops-slackbot', level }, pino.destination(fd));
}

/** Bolt's Logger interface over pino; Bolt's own level setting is ignored (pino decides). */
export function slackLogger(log: Logger): SlackLogger {
  const child = log.child({ component: 'bolt' });
  const line = (parts: unknown[]) =>
    parts.map((p) => (typeof p === 'string' ? p : String(p))).join(' ');
  return {
    debug: (...msg: unknown[]) => child.debug(line(msg)),
    info: (...msg: unknown[]) => child.info(line(msg)),
    warn: (...msg: unknown[]) => child.warn(line(msg)),
    error: (...msg: unknown[]) => child.error(line(msg)),
    setLevel: () => {},
    getLevel: () => LogLevel.DEBUG,
    setName: () => {},
  };
}
