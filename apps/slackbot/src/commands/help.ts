// `/hops help`: the commands, with an example each.
import { context, esc, header, section, type Reply } from '../blocks/kit.ts';
import type { Command } from './command.ts';

function helpReply(commands: Command[]): Reply {
  const lines = commands.map(
    (c) =>
      `${c.usage.map((u) => `\`/hops ${esc(u)}\``).join('\n')}\n      ${esc(c.summary)} — e.g. \`/hops ${esc(c.example)}\``,
  );
  return {
    text: `hops admin commands: ${commands.map((c) => c.name).join(', ')}`,
    blocks: [
      header('hops admin commands'),
      section(lines.slice(0, Math.ceil(lines.length / 2)).join('\n')),
      section(lines.slice(Math.ceil(lines.length / 2)).join('\n')),
      context(
        'Replies are only visible to you. Commands that change something ask for a Confirm first. Quote reasons and roles with spaces, or just type them last.',
      ),
    ],
  };
}

/** The help command over a list it is given (the list includes help itself). */
export function makeHelp(all: () => Command[]): Command {
  return {
    name: 'help',
    usage: ['help'],
    summary: 'this list',
    example: 'help',
    run: async () => helpReply(all()),
  };
}
