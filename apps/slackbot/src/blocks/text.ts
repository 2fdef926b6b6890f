// Renders Block Kit replies as plain text, for `ask` and for reading replies in tests.
import type { Block, Reply } from './kit.ts';

/** Slack mrkdwn → plain text: links, entities and emphasis markers out. */
export function mrkdwnToText(mrkdwn: string): string {
  return mrkdwn
    .replace(/```\n?([\s\S]*?)\n?```/g, '$1')
    .replace(/<mailto:[^|>]+\|([^>]+)>/g, '$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/(^|[\s(])[*_~]([^*_~\n]+)[*_~](?=$|[\s).,:;!?'’])/gm, '$1$2')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/:white_check_mark: /g, '✔ ')
    .replace(/:warning: /g, '⚠ ')
    .replace(/:no_entry: /g, '⛔ ')
    .replace(/:[a-z_]+: /g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function blockToText(block: Block): string {
  switch (block.type) {
    case 'header':
      return `${block.text.text}\n${'='.repeat(block.text.text.length)}`;
    case 'section': {
      const parts: string[] = [];
      if (block.text) parts.push(mrkdwnToText(block.text.text));
      if (block.fields) {
        parts.push(block.fields.map((f) => mrkdwnToText(f.text).replace('\n', ': ')).join('\n'));
      }
      if (block.accessory && block.accessory.type === 'button') {
        parts.push(`[${block.accessory.text.text}]`);
      }
      return parts.join('\n');
    }
    case 'context':
      return block.elements
        .map((e) => ('text' in e && typeof e.text === 'string' ? mrkdwnToText(e.text) : ''))
        .join(' ');
    case 'divider':
      return '----';
    case 'actions':
      return block.elements
        .map((e) => (e.type === 'button' ? `[${e.text.text}]` : ''))
        .filter(Boolean)
        .join(' ');
  }
}

export function replyToText(reply: Reply): string {
  if (reply.blocks.length === 0) return reply.text;
  return reply.blocks.map(blockToText).join('\n');
}
