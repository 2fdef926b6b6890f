// Block Kit building blocks: the small subset the bot uses, typed by Slack's own definitions, and
// the Reply every command returns (blocks plus the plain-text fallback Slack shows in notices).
import type { types } from '@slack/bolt';

export type Block =
  | types.HeaderBlock
  | types.SectionBlock
  | types.ContextBlock
  | types.DividerBlock
  | types.ActionsBlock;

export interface Reply {
  /** Fallback text (notifications, screen readers); also what `ask` prints when there are no blocks. */
  text: string;
  blocks: Block[];
  /** Set when the command did not do what was asked (a refusal, a wrong argument, an API error): `ask` exits 1. */
  failed?: true;
}

/** Slack's mrkdwn needs &, < and > escaped in user-supplied text. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function header(text: string): types.HeaderBlock {
  return { type: 'header', text: { type: 'plain_text', text: text.slice(0, 150), emoji: true } };
}

export function section(mrkdwn: string, accessory?: types.Button): types.SectionBlock {
  const block: types.SectionBlock = { type: 'section', text: { type: 'mrkdwn', text: mrkdwn } };
  if (accessory) block.accessory = accessory;
  return block;
}

/** Up to 10 label/value pairs shown two per row. */
export function fields(pairs: [label: string, value: string][]): types.SectionBlock {
  return {
    type: 'section',
    fields: pairs.slice(0, 10).map(([label, value]) => ({
      type: 'mrkdwn',
      text: `*${label}*\n${value}`,
    })),
  };
}

export function context(mrkdwn: string): types.ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn }] };
}

export function button(options: {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
}): types.Button {
  const b: types.Button = {
    type: 'button',
    text: { type: 'plain_text', text: options.text, emoji: true },
    action_id: options.actionId,
    value: options.value,
  };
  if (options.style) b.style = options.style;
  return b;
}

export function actions(buttons: types.Button[], blockId?: string): types.ActionsBlock {
  const block: types.ActionsBlock = { type: 'actions', elements: buttons };
  if (blockId) block.block_id = blockId;
  return block;
}

/**
 * A table in a code block: Slack has no table in messages that every client renders, and a
 * monospace block lines up columns everywhere (and prints the same in `ask`). Columns whose
 * header starts with '>' are right-aligned.
 */
export function table(headers: string[], rows: string[][]): types.SectionBlock {
  const right = headers.map((h) => h.startsWith('>'));
  const titles = headers.map((h) => h.replace(/^>/, ''));
  const widths = titles.map((t, i) => Math.max(t.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const text = [line(titles), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
  // A section's text holds at most 3000 characters.
  return section('```\n' + esc(truncate(text, 2980)) + '\n```');
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return cut.slice(0, cut.lastIndexOf('\n')) + '\n…';
}

/** A short message with an icon, the shape of every outcome, error and refusal. */
function notice(icon: string, text: string): Reply {
  return { text, blocks: [section(`${icon} ${esc(text)}`)] };
}

/** Something went wrong or was wrong (an API error, a bad button): a failed reply. */
export const warning = (text: string): Reply => ({ ...notice(':warning:', text), failed: true });
/** Not allowed (not an admin, suspended): a failed reply. */
export const refusal = (text: string): Reply => ({ ...notice(':no_entry:', text), failed: true });
export const success = (text: string) => notice(':white_check_mark:', text);
