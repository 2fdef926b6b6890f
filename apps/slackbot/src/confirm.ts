// Confirmations, the mechanism: a mutating command first answers with a Confirm / Cancel prompt
// whose buttons carry what is to be done, as JSON. Only a click on Confirm acts, after the clicking
// user is resolved again and the API checks their rights again. Each mutating command declares
// its own action beside its parsing, with `confirmable`: the fields its buttons carry, how it is
// described, and what Confirm does.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { actions, button, context, esc, section, type Reply } from './blocks/kit.ts';
import type { CommandContext } from './commands/command.ts';

export const CONFIRM_ACTION = 'hops_confirm';
export const CANCEL_ACTION = 'hops_cancel';

/** How long a Confirm button works (Slack's response_url lives 30 minutes). */
export const CONFIRM_TTL_MS = 15 * 60_000;

/** The fields of an action on one user, who prompts and outcomes name by e-mail. */
export const userTarget = { userId: z.string().min(1), email: z.string() };

/** What a Confirm or Cancel button stands for, read back from its value. */
export interface Confirmation {
  /** One-time: a double click acts once. */
  id: string;
  /** When the prompt stops being valid (ms since the epoch), so an old prompt found later cannot act. */
  expiresAt: number;
  /** A few words on what Confirm does, for "Cancelled: …" and "Run the command again to …". */
  description: string;
  /** What Confirm does, as the admin of `ctx`; the API checks their rights again. */
  confirm(ctx: CommandContext): Promise<Reply>;
}

/** An action as a button carries it: the name of the action (`op`) and its fields. */
interface Action {
  op: string;
}

/** One mutating command's action. */
export interface Confirmable<A extends Action = Action> {
  op: string;
  /** The prompt: the question, details, and Confirm / Cancel buttons that carry the action. */
  prompt(
    fields: Omit<A, 'op'>,
    question: string,
    details?: string[],
    options?: { danger?: boolean },
  ): Reply;
  /** The action alone as a button value, for a button that leads to the prompt (Revoke). */
  encode(fields: Omit<A, 'op'>): string;
  /** The action such a button value carries, or null. */
  decode(value: string | undefined): A | null;
  /** What a Confirm or Cancel button's parsed value stands for, if it carries this action. */
  read(parsed: unknown, meta: { id: string; expiresAt: number }): Confirmation | null;
}

type ActionOf<Op extends string, Fields extends z.ZodRawShape> = { op: Op } & z.infer<
  z.ZodObject<Fields>
>;

export function confirmable<Op extends string, Fields extends z.ZodRawShape>(spec: {
  op: Op;
  fields: Fields;
  describe(action: ActionOf<Op, Fields>): string;
  confirm(ctx: CommandContext, action: ActionOf<Op, Fields>): Promise<Reply>;
}): Confirmable<ActionOf<Op, Fields>> {
  type A = ActionOf<Op, Fields>;
  const schema = z.object({ op: z.literal(spec.op), ...spec.fields });
  const parse = (parsed: unknown): A | null => {
    const result = schema.safeParse(parsed);
    return result.success ? (result.data as A) : null;
  };
  const action = (fields: Omit<A, 'op'>) => ({ op: spec.op, ...fields }) as A;
  return {
    op: spec.op,
    prompt(fields, question, details = [], options = {}) {
      return confirmPrompt(action(fields), question, details, options);
    },
    encode: (fields) => JSON.stringify(action(fields)),
    decode: (value) => parse(parseJson(value)),
    read(parsed, meta) {
      const found = parse(parsed);
      if (!found) return null;
      return {
        ...meta,
        description: spec.describe(found),
        confirm: (ctx) => spec.confirm(ctx, found),
      };
    },
  };
}

function parseJson(value: string | undefined): unknown {
  if (!value) return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}

function encodeConfirmation(action: Action, now = Date.now()): string {
  const value = JSON.stringify({ ...action, id: randomUUID(), expiresAt: now + CONFIRM_TTL_MS });
  // Slack caps a button value at 2000 characters; reasons are capped well below that.
  if (value.length > 2000) throw new Error('confirmation too long for a button value');
  return value;
}

const confirmationMeta = z.object({
  op: z.string(),
  id: z.string().min(1),
  expiresAt: z.number().int(),
});

/** What a Confirm or Cancel button's value stands for, among the given actions; null if none. */
export function decodeConfirmation(
  value: string | undefined,
  confirmables: readonly Confirmable[],
): Confirmation | null {
  const parsed = parseJson(value);
  const meta = confirmationMeta.safeParse(parsed);
  if (!meta.success) return null;
  const { op, id, expiresAt } = meta.data;
  return confirmables.find((c) => c.op === op)?.read(parsed, { id, expiresAt }) ?? null;
}

function confirmPrompt(
  action: Action,
  question: string,
  details: string[],
  options: { danger?: boolean },
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

export function cancelledReply(confirmation: Confirmation): Reply {
  const text = `Cancelled: ${confirmation.description}. Nothing changed.`;
  return { text, blocks: [section(`:heavy_multiplication_x: ${esc(text)}`)] };
}
