// Bolt listener middleware for what the listeners share, run in the order they are registered:
// acknowledge first (Slack wants an answer within 3 seconds) and act on a delivery once, read what
// a Confirm button carries, and find out who is asking. What each learns goes on Bolt's `context`;
// what it refuses it answers itself, and the listener after it never runs.
import type {
  AnyMiddlewareArgs,
  BlockButtonAction,
  Middleware,
  RespondFn,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
} from '@slack/bolt';
import { refusal, warning, type Reply } from './blocks/kit.ts';
import type { Confirmation } from './confirm.ts';
import type { Deduper } from './dedupe.ts';
import type { Admin, IdentityResolver } from './identity.ts';
import type { Logger } from './log.ts';

export type CommandArgs = SlackCommandMiddlewareArgs;
export type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction>;

/** Set by `whoIsAsking`: the admin who typed the command or clicked the button. */
export type AdminContext = { admin: Admin };

/** Set by `checkConfirmation`: what the clicked button carries, still valid. */
export type ConfirmationContext = { confirmation: Confirmation };

type Answer = (
  respond: RespondFn,
  reply: Reply,
  extra?: { replace_original?: boolean },
) => Promise<void>;

/** Replies through the response_url, visible to the asker only; a reply Slack refuses is logged. */
export function answerWith(log: Logger): Answer {
  return async (respond, reply, extra = {}) => {
    try {
      await respond({
        response_type: 'ephemeral',
        text: reply.text,
        blocks: reply.blocks,
        ...extra,
      });
    } catch (error) {
      log.error({ err: error }, 'could not reply through the response_url');
    }
  };
}

/** The refusal a slash command of another workspace gets, in its acknowledgement. */
export const OTHER_WORKSPACE =
  'This hops bot answers only its own Slack workspace. Nothing was done.';

/** The workspace a request comes from: `team_id` of a command, `team.id` of a click. */
function teamOf(body: unknown): string | undefined {
  const b = body as {
    team_id?: unknown;
    team?: { id?: unknown } | null;
    user?: { team_id?: unknown };
  };
  const team = b.team_id ?? b.team?.id ?? b.user?.team_id;
  return typeof team === 'string' ? team : undefined;
}

/**
 * Global middleware: a signed request of another workspace than `teamId` is acknowledged (so
 * Slack does not retry it) and nothing else happens: no look-up, no API call, no reply through
 * its response_url. A slash command gets one short ephemeral sentence in its acknowledgement, so
 * whoever typed it knows why nothing happens; a click gets an empty 200 (the bot never posts its
 * buttons into another workspace). Null `teamId`: any workspace (development).
 */
export function ownWorkspaceOnly(
  teamId: string | null,
  log: Logger,
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const team = teamOf(args.body);
    if (teamId === null || team === teamId) return args.next();
    log.warn({ team, expected: teamId }, 'request from another Slack workspace: not acted on');
    if ('ack' in args && typeof args.ack === 'function') {
      const ack = args.ack as (response?: unknown) => Promise<void>;
      await ack(
        'command' in args ? { response_type: 'ephemeral', text: OTHER_WORKSPACE } : undefined,
      );
    }
  };
}

/**
 * Acks at once, then drops a delivery this replica has seen before (Slack retries with the same
 * trigger_id): only its second answer is spared; the API's idempotency keys make sure nothing
 * is done twice, whichever replica a retry reaches.
 */
export function ackOnce(deliveries: Deduper, log: Logger): Middleware<CommandArgs | ButtonArgs> {
  return async ({ ack, body, context, next }) => {
    await ack();
    if (body.trigger_id && !deliveries.first(body.trigger_id)) {
      log.info(
        { triggerId: body.trigger_id, retryNum: context.retryNum },
        'repeated delivery acknowledged, not acted on',
      );
      return;
    }
    await next();
  };
}

/**
 * Resolves the Slack user who typed or clicked to an active admin, again on every request so a
 * suspension bites at once; anyone else is told why not.
 */
export function whoIsAsking(
  identity: IdentityResolver,
  answer: Answer,
): Middleware<CommandArgs | ButtonArgs, AdminContext> {
  return async (args) => {
    const isCommand = 'command' in args;
    const who = await identity.resolveSlackUser(
      isCommand ? args.command.user_id : args.body.user.id,
    );
    if (!who.ok) {
      // A refused click leaves the message it was clicked in as it was.
      return answer(
        args.respond,
        refusal(who.reason),
        isCommand ? {} : { replace_original: false },
      );
    }
    args.context.admin = who.admin;
    await args.next();
  };
}

/**
 * Reads what a clicked Confirm button carries; a button it cannot read, or an expired one, is
 * answered here whoever clicked it.
 */
export function checkConfirmation(
  read: (value: string | undefined) => Confirmation | null,
  now: () => Date,
  answer: Answer,
): Middleware<ButtonArgs, ConfirmationContext> {
  return async ({ action, context, respond, next }) => {
    const confirmation = read(action.value);
    if (!confirmation) {
      return answer(
        respond,
        warning('This button is not one I understand. Run the command again.'),
      );
    }
    if (now().getTime() > confirmation.expiresAt) {
      const expired = warning(
        `This confirmation has expired: nothing changed. Run the command again to ${confirmation.description}.`,
      );
      return answer(respond, expired, { replace_original: true });
    }
    context.confirmation = confirmation;
    await next();
  };
}
