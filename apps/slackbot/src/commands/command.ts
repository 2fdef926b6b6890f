// What every command is: a name, a usage line, and a function from arguments to a reply, run as
// an admin through the API; a mutating command also declares what its Confirm button does.
import type { HopsClient } from '../api.ts';
import type { Reply } from '../blocks/kit.ts';
import type { Confirmable } from '../confirm.ts';
import type { Admin } from '../identity.ts';
import type { Logger } from '../log.ts';

export interface CommandContext {
  /** The API acting as the admin who typed the command (their rights apply). */
  api: HopsClient;
  admin: Admin;
  /** Today's UTC day, "YYYY-MM-DD". */
  today: string;
  /** For what a command shows without but should not hide (a side call that failed). */
  log: Logger;
}

export interface Command {
  name: string;
  /** Usage lines without the leading "/hops ". */
  usage: string[];
  summary: string;
  example: string;
  run(ctx: CommandContext, args: string[]): Promise<Reply>;
  /** A mutating command's second half: the action its prompt carries and what Confirm does. */
  confirms?: Confirmable;
}

export function usageText(command: Command): string {
  return command.usage.map((u) => `/hops ${u}`).join('\n');
}
