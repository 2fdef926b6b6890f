// Confirmations: a mutating command first answers with a Confirm / Cancel prompt whose buttons carry
// what is to be done, as JSON. Only a click on Confirm acts, after the clicking user is resolved
// again and the API checks their rights again.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { actions, button, context, esc, section, type Reply } from './blocks/kit.ts';

export const CONFIRM_ACTION = 'hops_confirm';
export const CANCEL_ACTION = 'hops_cancel';
export const REVOKE_ACTION = 'hops_revoke';

const target = { userId: z.string().min(1), email: z.string() };

export const pendingAction = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('assign'),
    ...target,
    /** A cluster id, or 'auto'. */
    clusterId: z.string().min(1),
    clusterName: z.string(),
  }),
  z.object({ op: z.literal('unassign'), ...target }),
  z.object({
    op: z.literal('grant'),
    ...target,
    amount: z.string().regex(/^\d{1,10}(\.\d{1,4})?$/),
    pool: z.enum(['paid', 'free']),
    reason: z.string(),
  }),
  z.object({ op: z.literal('suspend'), ...target, reason: z.string() }),
  z.object({ op: z.literal('reactivate'), ...target }),
  z.object({
    op: z.literal('revoke'),
    inviteId: z.string().min(1),
    email: z.string(),
    ownerEmail: z.string(),
  }),
]);

export type PendingAction = z.infer<typeof pendingAction>;

/**
 * What the buttons carry: the action, a one-time id (so a double click acts once) and when the
 * prompt stops being valid (ms since the epoch), so an old prompt found later cannot act.
 */
export type Confirmation = PendingAction & { id: string; expiresAt: number };

/** How long a Confirm button works (Slack's response_url lives 30 minutes). */
export const CONFIRM_TTL_MS = 15 * 60_000;

export function encodeConfirmation(action: PendingAction, now = Date.now()): string {
  const value = JSON.stringify({ ...action, id: randomUUID(), expiresAt: now + CONFIRM_TTL_MS });
  // Slack caps a button value at 2000 characters; reasons are capped well below that.
  if (value.length > 2000) throw new Error('confirmation too long for a button value');
  return value;
}

export function decodeConfirmation(value: string | undefined): Confirmation | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value) as unknown;
    const action = pendingAction.safeParse(parsed);
    const meta = z.object({ id: z.string().min(1), expiresAt: z.number().int() }).safeParse(parsed);
    return action.success && meta.success ? { ...action.data, ...meta.data } : null;
  } catch {
    return null;
  }
}

/** The prompt: the question, details, and Confirm / Cancel buttons carrying the same value. */
export function confirmPrompt(
  action: PendingAction,
  question: string,
  details: string[] = [],
  options: { danger?: boolean } = {},
): Reply {
  const value = encodeConfirmation(action);
  details = [...details, 'the buttons work for 15 minutes'];
  return {
    text: `${question} (Confirm or Cancel)`,
    blocks: [
      section(`:question: ${question}`),
      context(details.join('  ·  ')),
      actions(
        [
          button({
            text: 'Confirm',
            actionId: CONFIRM_ACTION,
            value,
            style: options.danger ? 'danger' : 'primary',
          }),
          button({ text: 'Cancel', actionId: CANCEL_ACTION, value }),
        ],
        'hops_confirmation',
      ),
    ],
  };
}

/** A few words on what the action does, for "Cancelled: …". */
export function describeAction(action: PendingAction): string {
  switch (action.op) {
    case 'assign':
      return `assign ${action.email} to ${action.clusterName}`;
    case 'unassign':
      return `unassign ${action.email}`;
    case 'grant':
      return `grant $${action.amount} of ${action.pool} credits to ${action.email}`;
    case 'suspend':
      return `suspend ${action.email}`;
    case 'reactivate':
      return `reactivate ${action.email}`;
    case 'revoke':
      return `revoke the invite of ${action.email}`;
  }
}

export function cancelledReply(action: PendingAction): Reply {
  const text = `Cancelled: ${describeAction(action)}. Nothing changed.`;
  return { text, blocks: [section(`:heavy_multiplication_x: ${esc(text)}`)] };
}
