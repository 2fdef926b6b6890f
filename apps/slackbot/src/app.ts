// The Bolt wiring: one HTTP receiver at /slack/events (slash commands and interactivity, Slack's
// signature checked on every request with its 5-minute replay window), and every listener in one
// place. Each listener acks first, then does the API work and replies through the response_url.
import type { Server } from 'node:http';
import type { AddressInfo, ListenOptions } from 'node:net';
import {
  App,
  HTTPReceiver,
  type AllMiddlewareArgs,
  type BlockButtonAction,
  type RespondArguments,
  type RespondFn,
  type SlackActionMiddlewareArgs,
  type SlackCommandMiddlewareArgs,
} from '@slack/bolt';
import { createHopsClient, type ApiConfig } from './api.ts';
import { refusal, warning, type Reply } from './blocks/kit.ts';
import { utcDay } from './blocks/format.ts';
import { runCommand, runConfirmed } from './commands/index.ts';
import type { CommandContext } from './commands/command.ts';
import { revokePrompt } from './commands/invites.ts';
import {
  CANCEL_ACTION,
  CONFIRM_ACTION,
  CONFIRM_TTL_MS,
  REVOKE_ACTION,
  cancelledReply,
  decodeConfirmation,
  describeAction,
  pendingAction,
} from './confirm.ts';
import { Deduper } from './dedupe.ts';
import { IdentityResolver, type Admin } from './identity.ts';
import { slackLogger, type Logger } from './log.ts';
import { createWebClient, profileEmail, webClientOptions, type WebClient } from './slack-web.ts';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackBotOptions {
  signingSecret: string;
  botToken: string;
  /** The Slack Web API base (SLACK_API_URL). */
  slackApiUrl: string;
  api: ApiConfig;
  log: Logger;
  /** How long a Slack user's profile e-mail is cached. */
  profileTtlMs?: number;
  now?: () => Date;
}

export interface SlackBot {
  app: App;
  /** The Web API client (users.info, chat.postMessage), with SLACK_API_URL as its base. */
  web: WebClient;
  identity: IdentityResolver;
  /** Starts the HTTP receiver; resolves with the port it listens on. */
  start(listen: number | ListenOptions): Promise<number>;
  stop(): Promise<void>;
}

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

function ephemeral(reply: Reply, extra: { replace_original?: boolean } = {}): RespondArguments {
  return { response_type: 'ephemeral', text: reply.text, blocks: reply.blocks, ...extra };
}

export function createSlackBot(options: SlackBotOptions): SlackBot {
  if (!options.signingSecret.trim()) {
    // An empty secret once silently turned verification off in Bolt; never start like that.
    throw new Error('Refusing to start: SLACK_SIGNING_SECRET is empty.');
  }
  const { log } = options;
  const now = options.now ?? (() => new Date());
  const web = createWebClient(options.botToken, options.slackApiUrl, log);
  const service = createHopsClient(options.api);
  const identity = new IdentityResolver({
    service,
    lookupEmail: (slackUserId) => profileEmail(web, slackUserId),
    log,
    ...(options.profileTtlMs !== undefined ? { ttlMs: options.profileTtlMs } : {}),
  });
  // Deliveries already handled (a retry carries the same trigger_id) and confirmations already
  // carried out (a double click carries the same confirmation id).
  const deliveries = new Deduper();
  const confirmations = new Deduper(CONFIRM_TTL_MS + 60_000);

  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    signatureVerification: true,
    endpoints: SLACK_EVENTS_PATH,
    logger: slackLogger(log),
    customRoutes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"ok":true}');
        },
      },
    ],
  });
  const app = new App({
    receiver,
    // An authorize function instead of a token: starting never calls Slack (no auth.test).
    authorize: async () => ({ botToken: options.botToken }),
    clientOptions: webClientOptions(options.slackApiUrl, log),
    logger: slackLogger(log),
    // No conversation state is kept between requests.
    convoStore: false,
  });

  const contextFor = (admin: Admin): CommandContext => ({
    api: createHopsClient(options.api, admin.userId),
    admin,
    today: utcDay(now()),
  });

  /** Acks, then drops a delivery seen before (Slack retries with x-slack-retry-num). */
  async function ackOnce(
    ack: () => Promise<void>,
    triggerId: string | undefined,
    retryNum: number | undefined,
  ): Promise<boolean> {
    await ack();
    if (triggerId && !deliveries.first(triggerId)) {
      log.info({ triggerId, retryNum }, 'repeated delivery acknowledged, not acted on');
      return false;
    }
    return true;
  }

  async function reply(respond: RespondFn, message: RespondArguments) {
    try {
      await respond(message);
    } catch (error) {
      log.error({ err: error }, 'could not reply through the response_url');
    }
  }

  async function whoClicked(slackUserId: string, respond: RespondFn): Promise<Admin | null> {
    const who = await identity.resolveSlackUser(slackUserId);
    if (who.ok) return who.admin;
    await reply(respond, ephemeral(refusal(who.reason), { replace_original: false }));
    return null;
  }

  const buttonValue = (args: ButtonArgs): string | undefined => args.action.value;

  // ---- listeners -------------------------------------------------------------------------------

  async function onCommand(args: SlackCommandMiddlewareArgs & AllMiddlewareArgs) {
    const { command, respond } = args;
    if (!(await ackOnce(args.ack, command.trigger_id, args.context.retryNum))) return;
    const who = await identity.resolveSlackUser(command.user_id);
    if (!who.ok) return reply(respond, ephemeral(refusal(who.reason)));
    const result = await runCommand(contextFor(who.admin), command.text ?? '', log);
    await reply(respond, ephemeral(result));
  }

  async function onConfirm(args: ButtonArgs) {
    const { body, respond } = args;
    if (!(await ackOnce(args.ack, body.trigger_id, args.context.retryNum))) return;
    const confirmation = decodeConfirmation(buttonValue(args));
    if (!confirmation) {
      return reply(
        respond,
        ephemeral(warning('This button is not one I understand. Run the command again.')),
      );
    }
    if (now().getTime() > confirmation.expiresAt) {
      const expired = warning(
        `This confirmation has expired: nothing changed. Run the command again to ${describeAction(confirmation)}.`,
      );
      return reply(respond, ephemeral(expired, { replace_original: true }));
    }
    const admin = await whoClicked(body.user.id, respond);
    if (!admin) return;
    if (!confirmations.first(confirmation.id)) {
      log.info({ id: confirmation.id }, 'confirmation already carried out');
      return;
    }
    const result = await runConfirmed(contextFor(admin), confirmation, log);
    await reply(respond, ephemeral(result, { replace_original: true }));
  }

  async function onCancel(args: ButtonArgs) {
    const { body, respond } = args;
    if (!(await ackOnce(args.ack, body.trigger_id, args.context.retryNum))) return;
    const confirmation = decodeConfirmation(buttonValue(args));
    const result = confirmation
      ? cancelledReply(confirmation)
      : { text: 'Cancelled. Nothing changed.', blocks: [] };
    await reply(respond, ephemeral(result, { replace_original: true }));
  }

  async function onRevoke(args: ButtonArgs) {
    const { body, respond } = args;
    if (!(await ackOnce(args.ack, body.trigger_id, args.context.retryNum))) return;
    const admin = await whoClicked(body.user.id, respond);
    if (!admin) return;
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(buttonValue(args) ?? 'null');
    } catch {
      // handled below
    }
    const action = pendingAction.safeParse(parsed);
    if (!action.success || action.data.op !== 'revoke') {
      return reply(
        respond,
        ephemeral(warning('This button is not one I understand. List the invites again.')),
      );
    }
    await reply(respond, ephemeral(revokePrompt(contextFor(admin), action.data)));
  }

  app.command('/hops', onCommand);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: CONFIRM_ACTION }, onConfirm);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: CANCEL_ACTION }, onCancel);
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: REVOKE_ACTION }, onRevoke);
  app.error(async (error) => {
    log.error({ err: error }, 'unhandled error in a Slack listener');
  });

  let server: Server | undefined;
  return {
    app,
    web,
    identity,
    async start(listen) {
      server = (await app.start(listen)) as Server;
      return (server.address() as AddressInfo).port;
    },
    async stop() {
      if (server) await app.stop();
      server = undefined;
    },
  };
}
