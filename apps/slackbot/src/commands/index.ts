// The command table and the entry points every front end (Slack listeners, `ask`) shares: run a
// `/hops …` line, read a Confirm / Cancel button, and carry out a confirmed action.
import { errorSentence, isApiError } from '../api.ts';
import { context, esc, section, warning, type Reply } from '../blocks/kit.ts';
import { decodeConfirmation, type Confirmation } from '../confirm.ts';
import type { Logger } from '../log.ts';
import { tokenize, UsageError } from './args.ts';
import { assign } from './assign.ts';
import { cap } from './cap.ts';
import { clusters } from './clusters.ts';
import { type Command, type CommandContext, usageText } from './command.ts';
import { credits } from './credits.ts';
import { makeHelp } from './help.ts';
import { invite } from './invite.ts';
import { invites } from './invites.ts';
import { reactivate, suspend } from './suspend.ts';
import { top } from './top.ts';
import { unassign } from './unassign.ts';
import { usage } from './usage.ts';
import { whois } from './whois.ts';

const help = makeHelp(() => COMMANDS);
/** Every command, in the order help lists them. */
const COMMANDS: Command[] = [
  help,
  whois,
  usage,
  top,
  clusters,
  assign,
  unassign,
  invite,
  invites,
  credits,
  cap,
  suspend,
  reactivate,
];
/** The actions of the mutating commands, which Confirm and Cancel buttons carry. */
const CONFIRMABLES = COMMANDS.flatMap((c) => (c.confirms ? [c.confirms] : []));

function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name.toLowerCase());
}

function usageReply(command: Command, problem?: string): Reply {
  const usage = usageText(command);
  return {
    failed: true,
    text: `${problem ? `${problem} ` : ''}Usage: ${usage}`,
    blocks: [
      section(`:warning: ${problem ? `${esc(problem)} ` : ''}Usage:\n\`\`\`${esc(usage)}\`\`\``),
      context(`For example: \`/hops ${esc(command.example)}\``),
    ],
  };
}

function failure(error: unknown, log: Logger): Reply {
  if (!isApiError(error)) log.error({ err: error }, 'command failed');
  else if (error.data === undefined) log.warn({ err: error }, 'API call failed');
  return warning(errorSentence(error));
}

/** Runs one `/hops …` line (the leading "/hops" is optional) as the admin of `ctx`. */
export async function runCommand(ctx: CommandContext, line: string, log: Logger): Promise<Reply> {
  const text = line
    .trim()
    .replace(/^\/hops(?=\s|$)/i, '')
    .trim();
  const name = text.split(/\s+/)[0] ?? '';
  if (!name) return help.run(ctx, []);
  const command = findCommand(name);
  if (!command) {
    return warning(
      `I do not know the command "${name}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}. Type /hops help for examples.`,
    );
  }
  try {
    return await command.run(ctx, tokenize(text).slice(1));
  } catch (error) {
    if (error instanceof UsageError) return usageReply(command, error.message);
    return failure(error, log);
  }
}

/** What a Confirm or Cancel button's value stands for, among the commands' actions. */
export function readConfirmation(value: string | undefined): Confirmation | null {
  return decodeConfirmation(value, CONFIRMABLES);
}

/** Carries out a confirmed action; the API checks the admin's rights again. */
export async function runConfirmed(
  ctx: CommandContext,
  confirmation: Confirmation,
  log: Logger,
): Promise<Reply> {
  try {
    return await confirmation.confirm(ctx);
  } catch (error) {
    return failure(error, log);
  }
}
