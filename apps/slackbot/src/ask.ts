// `pnpm --filter @hops/slackbot ask "/hops whois alice@acme.test"`: runs a command line through
// the bot's own handlers against the configured API, acting as an admin (--as <email>, or
// HOPS_ASK_AS, default the demo admin), and prints the reply as text. For development without
// Slack. A mutating command prints its Confirm prompt; add --yes to confirm it. A command that
// fails (a wrong argument, a refusal, an API error) prints its sentence on stderr and exits 1.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { utcDay } from '@hops/api/days';
import { EnvError } from '@hops/config';
import { createHopsClient } from './api.ts';
import type { Reply } from './blocks/kit.ts';
import { replyToText } from './blocks/text.ts';
import { readConfirmation, runCommand, runConfirmed } from './commands/index.ts';
import { CONFIRM_ACTION, type Confirmation } from './confirm.ts';
import { loadAskEnv } from './env.ts';
import { IdentityResolver } from './identity.ts';
import { createLogger, type Logger } from './log.ts';

interface AskOptions {
  line: string;
  as: string;
  yes: boolean;
  json: boolean;
}

const USAGE = `Usage: pnpm --filter @hops/slackbot ask [--as <admin email>] [--yes] [--json] "/hops <command> …"
  --as    the admin to act as (default: HOPS_ASK_AS, or admin@hops.test)
  --yes   carry out a command that asks for a Confirm
  --json  print the Block Kit reply as JSON instead of text`;

/** What `ask` prints instead of running a line: its usage (asked for, or no line given) or a mistake. */
export interface AskMessage {
  message: string;
  exitCode: 0 | 1;
}

export function parseAskArgs(argv: string[], defaultAs: string): AskOptions | AskMessage {
  const rest: string[] = [];
  let as = defaultAs;
  let yes = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--as') {
      const value = argv[++i];
      if (!value) return { message: `Give an e-mail after --as.\n${USAGE}`, exitCode: 1 };
      as = value;
    } else if (arg.startsWith('--as=')) as = arg.slice('--as='.length);
    else if (arg === '--yes' || arg === '-y') yes = true;
    else if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') return { message: USAGE, exitCode: 0 };
    else if (arg === '--') rest.push(...argv.splice(i + 1));
    else rest.push(arg);
  }
  // One argument is the whole line; several are words, re-quoted where the shell split phrases.
  const line = rest.length === 1 ? rest[0]! : rest.map(quote).join(' ');
  if (!line.trim()) return { message: `Give a command line.\n${USAGE}`, exitCode: 1 };
  return { line, as, yes, json };
}

function quote(word: string): string {
  return /\s/.test(word) ? `"${word}"` : word;
}

function pendingConfirmation(reply: Reply): Confirmation | null {
  for (const block of reply.blocks) {
    if (block.type !== 'actions') continue;
    for (const element of block.elements) {
      if (element.type === 'button' && element.action_id === CONFIRM_ACTION) {
        return readConfirmation(element.value);
      }
    }
  }
  return null;
}

/** Runs one line and returns what to print, and whether the command did what was asked. */
export async function ask(
  options: AskOptions,
  config: { url: string; serviceToken: string },
  log: Logger,
  now: Date = new Date(),
): Promise<{ output: string; ok: boolean }> {
  const identity = new IdentityResolver({
    service: createHopsClient(config),
    lookupEmail: async () => null,
    log,
  });
  const who = await identity.resolveEmail(options.as);
  if (!who.ok) return { output: who.reason.replace('of your Slack profile', '(--as)'), ok: false };
  const ctx = {
    api: createHopsClient(config, who.admin.userId),
    admin: who.admin,
    today: utcDay(now),
    log,
  };
  const show = (reply: Reply) =>
    options.json ? JSON.stringify(reply.blocks, null, 2) : replyToText(reply);
  const reply = await runCommand(ctx, options.line, log);
  const confirmation = pendingConfirmation(reply);
  if (!confirmation) return { output: show(reply), ok: !reply.failed };
  if (!options.yes) {
    return {
      output: `${show(reply)}\n(Nothing changed. Run again with --yes to confirm.)`,
      ok: true,
    };
  }
  const outcome = await runConfirmed(ctx, confirmation, log);
  return { output: show(outcome), ok: !outcome.failed };
}

async function main() {
  let env;
  try {
    env = loadAskEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const options = parseAskArgs(process.argv.slice(2), env.HOPS_ASK_AS);
  if ('message' in options) {
    (options.exitCode === 0 ? console.log : console.error)(options.message);
    process.exit(options.exitCode);
  }
  const log = createLogger('warn', 2);
  const { output, ok } = await ask(
    options,
    { url: env.HOPS_API_URL, serviceToken: env.HOPS_SERVICE_TOKEN },
    log,
  );
  if (ok) console.log(output);
  else console.error(output);
  process.exitCode = ok ? 0 : 1;
}

// Run as a script (not when imported by tests).
if (fileURLToPath(import.meta.url) === resolve(process.argv[1] ?? '')) await main();
