// The bot's end-to-end test stack: a real database (seeded with the demo data), the real API server
// of @hops/web, a fake Slack Web API, and the bot's real HTTP receiver, reached with requests
// signed exactly as Slack signs them. Server-side packages are used here only to set the stage.
import { randomBytes, randomUUID } from 'node:crypto';
import { SecretBox, seedDemoData, type Db } from '@hops/api';
import { createTestDatabase } from '@hops/db/testing';
import {
  createHopsClient,
  createSlackBot,
  CONFIRM_ACTION,
  replyToText,
  SLACK_EVENTS_PATH,
  type ApiConfig,
  type Block,
  type HopsClient,
  type SlackBot,
} from '@hops/slackbot';
import {
  blockActionBody,
  signedHeaders,
  slashCommandBody,
  startFakeSlack,
  TEST_TEAM_ID,
  type FakeSlack,
  type RecordedMessage,
} from '@hops/slackbot/testing';
import { startServer, type TestServer } from '@hops/web/testing';
import { pino } from 'pino';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
/** The service tokens of SPEC §12 as an operator configures them: the bot's and the collector's. */
export const BOT_SERVICE_TOKEN = `bot-${randomBytes(16).toString('hex')}`;
export const COLLECTOR_SERVICE_TOKEN = `collector-${randomBytes(16).toString('hex')}`;
export const BOT_TOKEN = 'xoxb-test-token';

/** Slack users of the fake workspace and the hops users they map to. */
export const SLACK_USERS = {
  admin: { id: 'U0ADMIN', email: 'admin@hops.test' },
  admin2: { id: 'U0ADMIN2', email: 'second-admin@hops.test' },
  alice: { id: 'U0ALICE', email: 'alice@acme.test' }, // an owner, not an admin
  stranger: { id: 'U0STRANGER', email: 'stranger@nowhere.test' }, // no hops user
  suspended: { id: 'U0SUSPENDED', email: 'suspended-admin@hops.test' },
  noEmail: { id: 'U0NOEMAIL', email: null },
} as const;

export type SlackUser = keyof typeof SLACK_USERS;

export const silentLog = pino({ level: 'silent' });

export interface SendOptions {
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Replace the signature (a forgery). */
  signature?: string;
  secret?: string;
  retryNum?: number;
}

/**
 * Runs a mutating `/hops <line>` as the admin and builds the signed-to-be body of a click on its
 * Confirm button (not sent), with the key its reply would be recorded under.
 */
export async function confirmationFor(
  stack: Stack,
  line: string,
  options: { triggerId?: string } = {},
): Promise<{ body: string; responseKey: string }> {
  const prompt = await stack.slash(line);
  const responseKey = randomUUID();
  const body = blockActionBody({
    userId: SLACK_USERS.admin.id,
    actionId: CONFIRM_ACTION,
    value: buttonValue(prompt.reply, CONFIRM_ACTION),
    responseUrl: stack.slack.responseUrl(responseKey),
    ...(options.triggerId ? { triggerId: options.triggerId } : {}),
  });
  return { body, responseKey };
}

/** One bot process's receiver: its own Bolt app, on the stack's API and fake Slack. */
export interface BotReplica {
  bot: SlackBot;
  /** `http://127.0.0.1:<port>/slack/events` */
  eventsUrl: string;
  /** Posts a signed body to this bot's /slack/events. */
  send(body: string, options?: SendOptions): Promise<Response>;
  stop(): Promise<void>;
}

export interface Stack {
  db: Db;
  server: TestServer;
  slack: FakeSlack;
  /** The bot `send`, `slash` and `click` go to (a new one after `restartBot`). */
  bot: SlackBot;
  /** `http://127.0.0.1:<port>/slack/events` of that bot. */
  eventsUrl: string;
  apiConfig: ApiConfig;
  /** The API as the bot's service token alone (`slackbot`: events and act-as). */
  service: HopsClient;
  /** The API as the usage collector's service token (`collector`: ingest), to set the stage. */
  collector: HopsClient;
  /** The API acting as the demo admin (to read state back). */
  admin: HopsClient;
  /** Posts a signed body to /slack/events. */
  send(body: string, options?: SendOptions): Promise<Response>;
  /** Runs `/hops <text>` as a Slack user; resolves with the acknowledgement and the reply. */
  slash(
    text: string,
    options?: { as?: SlackUser; triggerId?: string; waitMs?: number; teamId?: string },
  ): Promise<Exchange>;
  /** Clicks a button of a reply as a Slack user; resolves with the acknowledgement and the reply. */
  click(
    reply: RecordedMessage,
    actionId: string,
    options?: {
      as?: SlackUser;
      triggerId?: string;
      index?: number;
      waitMs?: number;
      teamId?: string;
    },
  ): Promise<Exchange>;
  /** Starts another bot (a second replica) on the same API; the caller stops it. */
  startBot(): Promise<BotReplica>;
  /** Stops the bot and starts a new one (a new Bolt app, nothing kept in memory), as a restart. */
  restartBot(): Promise<void>;
  close(): Promise<void>;
}

export interface Exchange {
  status: number;
  ackBody: string;
  reply: RecordedMessage;
  /** The reply as plain text. */
  text: string;
  responseKey: string;
}

export function messageText(message: RecordedMessage): string {
  return replyToText({ text: message.text ?? '', blocks: (message.blocks ?? []) as Block[] });
}

/** The value of the `index`-th button with `actionId` in a message. */
export function buttonValue(message: RecordedMessage, actionId: string, index = 0): string {
  const values: string[] = [];
  for (const block of (message.blocks ?? []) as Block[]) {
    const elements =
      block.type === 'actions'
        ? block.elements
        : block.type === 'section' && block.accessory
          ? [block.accessory]
          : [];
    for (const element of elements) {
      if (element.type === 'button' && element.action_id === actionId && element.value) {
        values.push(element.value);
      }
    }
  }
  const value = values[index];
  if (value === undefined)
    throw new Error(`no button ${actionId}[${index}] in: ${messageText(message)}`);
  return value;
}

export async function startStack(): Promise<Stack> {
  const database = await createTestDatabase();
  const { db } = database;
  const encryptionKey = randomBytes(32).toString('base64');
  const secrets = new SecretBox(encryptionKey);
  await seedDemoData(db, { secrets });
  // Two more admins: one active (to be acted on), one suspended (to be refused).
  await db
    .insertInto('users')
    .values([
      { id: 'test|admin2', email: SLACK_USERS.admin2.email, name: 'Second Admin', isAdmin: true },
      {
        id: 'test|suspended',
        email: SLACK_USERS.suspended.email,
        name: 'Suspended Admin',
        isAdmin: true,
        status: 'suspended',
      },
    ])
    .execute();

  const server = await startServer({
    db,
    secrets,
    env: {
      encryptionKey,
      serviceTokens: [
        { name: 'slackbot', scopes: ['events', 'act-as'], token: BOT_SERVICE_TOKEN },
        { name: 'collector', scopes: ['ingest'], token: COLLECTOR_SERVICE_TOKEN },
      ],
    },
  });
  const slack = await startFakeSlack();
  for (const user of Object.values(SLACK_USERS)) slack.profiles.set(user.id, user.email);

  // The bot's token: `slackbot:events+act-as`, as the README configures it.
  const apiConfig: ApiConfig = { url: server.url, serviceToken: BOT_SERVICE_TOKEN };
  const startBot = async (): Promise<BotReplica> => {
    const bot = createSlackBot({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      slackApiUrl: slack.apiUrl,
      api: apiConfig,
      teamId: TEST_TEAM_ID,
      log: silentLog,
    });
    const port = await bot.start({ port: 0, host: '127.0.0.1' });
    const eventsUrl = `http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`;
    return {
      bot,
      eventsUrl,
      send: (body, options = {}) => {
        const headers = signedHeaders(options.secret ?? SIGNING_SECRET, body, options.timestamp);
        if (options.signature !== undefined) headers['x-slack-signature'] = options.signature;
        if (options.retryNum !== undefined) {
          headers['x-slack-retry-num'] = String(options.retryNum);
          headers['x-slack-retry-reason'] = 'http_timeout';
        }
        return fetch(eventsUrl, { method: 'POST', headers, body });
      },
      stop: () => bot.stop(),
    };
  };
  let current = await startBot();
  const send = (body: string, options: SendOptions = {}) => current.send(body, options);

  const exchange = async (
    body: string,
    responseKey: string,
    waitMs?: number,
  ): Promise<Exchange> => {
    const response = await send(body);
    const ackBody = await response.text();
    if (response.status !== 200) {
      throw new Error(`expected an ack, got ${response.status} ${ackBody}`);
    }
    const [reply] = await slack.waitForResponses(responseKey, 1, waitMs);
    return {
      status: response.status,
      ackBody,
      reply: reply!,
      text: messageText(reply!),
      responseKey,
    };
  };

  return {
    db,
    server,
    slack,
    get bot() {
      return current.bot;
    },
    get eventsUrl() {
      return current.eventsUrl;
    },
    apiConfig,
    service: createHopsClient(apiConfig),
    collector: createHopsClient({ url: server.url, serviceToken: COLLECTOR_SERVICE_TOKEN }),
    admin: createHopsClient(apiConfig, 'dev|admin'),
    send,
    slash(text, options = {}) {
      const responseKey = randomUUID();
      const body = slashCommandBody({
        text,
        userId: SLACK_USERS[options.as ?? 'admin'].id,
        responseUrl: slack.responseUrl(responseKey),
        ...(options.triggerId ? { triggerId: options.triggerId } : {}),
        ...(options.teamId ? { teamId: options.teamId } : {}),
      });
      return exchange(body, responseKey, options.waitMs);
    },
    click(reply, actionId, options = {}) {
      const responseKey = randomUUID();
      const body = blockActionBody({
        userId: SLACK_USERS[options.as ?? 'admin'].id,
        actionId,
        value: buttonValue(reply, actionId, options.index ?? 0),
        responseUrl: slack.responseUrl(responseKey),
        ...(options.triggerId ? { triggerId: options.triggerId } : {}),
        ...(options.teamId ? { teamId: options.teamId } : {}),
      });
      return exchange(body, responseKey, options.waitMs);
    },
    startBot,
    async restartBot() {
      await current.stop();
      current = await startBot();
    },
    async close() {
      await current.stop();
      await slack.close();
      await server.close();
      await database.drop();
    },
  };
}
