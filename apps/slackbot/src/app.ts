// The Bolt wiring: one HTTP receiver at /slack/events (slash commands and interactivity, Slack's
// signature checked on every request with its 5-minute replay window), and every listener in one
// place. Requests of another workspace than SLACK_TEAM_ID's are acknowledged and nothing more.
// Listener middleware (middleware.ts) acks first and finds out who is asking; the listener after
// it does the API work and replies through the response_url. What a request changes goes to the
// API with an idempotency key (the Confirm button's, or the delivery's trigger_id), so it is done
// once whichever replica gets the click, again or retried, before or after a restart.
import type { Server } from 'node:http';
import type { AddressInfo, ListenOptions } from 'node:net';
import { utcDay } from '@hops/api/days';
import {
  App,
  HTTPReceiver,
  type ActionConstraints,
  type AllMiddlewareArgs,
  type BlockButtonAction,
  type Middleware,
} from '@slack/bolt';
import { createHopsClient, type ApiConfig } from './api.ts';
import { warning } from './blocks/kit.ts';
import { readConfirmation, runCommand, runConfirmed } from './commands/index.ts';
import type { CommandContext } from './commands/command.ts';
import { REVOKE_ACTION, revokePrompt } from './commands/invites.ts';
import { CANCEL_ACTION, CONFIRM_ACTION, cancelledReply } from './confirm.ts';
import { Deduper } from './dedupe.ts';
import { IdentityResolver, type Admin } from './identity.ts';
import { slackLogger, type Logger } from './log.ts';
import {
  ackOnce,
  answerWith,
  checkConfirmation,
  ownWorkspaceOnly,
  whoIsAsking,
  type AdminContext,
  type ButtonArgs,
  type CommandArgs,
  type ConfirmationContext,
} from './middleware.ts';
import { createWebClient, profileEmail, webClientOptions, type WebClient } from './slack-web.ts';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackBotOptions {
  signingSecret: string;
  botToken: string;
  /** The Slack Web API base (SLACK_API_URL). */
  slackApiUrl: string;
  api: ApiConfig;
  /**
   * The Slack workspace (team id) the bot answers (SLACK_TEAM_ID); a signed request of another
   * gets no action. Null or absent: any workspace (development only; production requires it).
   */
  teamId?: string | null;
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
  // Deliveries this replica already answered (a retry carries the same trigger_id), so a retry is
  // not answered twice here. Only the answer: what a delivery changes is kept once by the API's
  // idempotency keys, which every replica and restart shares.
  const deliveries = new Deduper();

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

  /** The API as `admin`, its mutations carrying `idempotencyKey` (and `<key>#2`, … after it). */
  const contextFor = (admin: Admin, idempotencyKey: string): CommandContext => ({
    api: createHopsClient(options.api, admin.userId, { idempotencyKey }),
    admin,
    today: utcDay(now()),
    log,
  });
  const answer = answerWith(log);

  // ---- listeners: each runs after its middleware (below) acked and let it through -------------

  async function onCommand({
    command,
    context,
    respond,
  }: CommandArgs & AllMiddlewareArgs<AdminContext>) {
    // A command that writes without a Confirm (invite) does so once per delivery.
    const ctx = contextFor(context.admin, `slack:trigger:${command.trigger_id}`);
    await answer(respond, await runCommand(ctx, command.text ?? '', log));
  }

  async function onConfirm({
    context,
    respond,
  }: ButtonArgs & AllMiddlewareArgs<ConfirmationContext & AdminContext>) {
    const { confirmation, admin } = context;
    // The prompt's key: a second click (here or on another replica, now or after a restart) is
    // answered with what the first one did, and does nothing again.
    const ctx = contextFor(admin, `slack:confirm:${confirmation.id}`);
    const result = await runConfirmed(ctx, confirmation, log);
    await answer(respond, result, { replace_original: true });
  }

  async function onCancel({ action, respond }: ButtonArgs & AllMiddlewareArgs) {
    const confirmation = readConfirmation(action.value);
    const result = confirmation
      ? cancelledReply(confirmation)
      : { text: 'Cancelled. Nothing changed.', blocks: [] };
    await answer(respond, result, { replace_original: true });
  }

  /** A click on Revoke asks for a Confirm; it changes nothing itself. */
  async function onRevoke({ action, respond }: ButtonArgs & AllMiddlewareArgs<AdminContext>) {
    const prompt = revokePrompt(action.value);
    await answer(
      respond,
      prompt ?? warning('This button is not one I understand. List the invites again.'),
    );
  }

  // ---- wiring: every request is acked first, within Slack's 3 seconds -------------------------

  const acked = ackOnce(deliveries, log);
  const asAdmin = whoIsAsking(identity, answer);
  const confirmed = checkConfirmation(readConfirmation, now, answer);

  /** Listens to clicks on one button, typing `context` with what its middleware puts there. */
  function onButton<Context extends Record<string, unknown>>(
    actionId: string,
    ...listeners: Middleware<ButtonArgs, Context>[]
  ) {
    app.action<BlockButtonAction, ActionConstraints<BlockButtonAction>, Context>(
      { type: 'block_actions', action_id: actionId },
      ...listeners,
    );
  }

  app.use(ownWorkspaceOnly(options.teamId ?? null, log));
  app.command<AdminContext>('/hops', acked, asAdmin, onCommand);
  // The Confirm button is read before asking who clicked: an expired prompt says so to anyone.
  onButton<ConfirmationContext & AdminContext>(
    CONFIRM_ACTION,
    acked,
    confirmed,
    asAdmin,
    onConfirm,
  );
  onButton(CANCEL_ACTION, acked, onCancel);
  onButton<AdminContext>(REVOKE_ACTION, acked, asAdmin, onRevoke);

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
