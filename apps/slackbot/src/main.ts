// Starts the Slack bot: the HTTP receiver on SLACKBOT_PORT and the alert worker; stops both
// gracefully on SIGINT / SIGTERM.
import { EnvError } from '@hops/config';
import { AlertWorker } from './alerts.ts';
import { createHopsClient } from './api.ts';
import { createSlackBot, SLACK_EVENTS_PATH } from './app.ts';
import { loadEnv } from './env.ts';
import { createLogger } from './log.ts';

async function main() {
  const warnings: string[] = [];
  let env;
  try {
    env = loadEnv(process.env, { warn: (message) => warnings.push(message) });
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(env.LOG_LEVEL);
  for (const warning of warnings) log.warn(warning);

  const api = { url: env.HOPS_API_URL, serviceToken: env.HOPS_SERVICE_TOKEN };
  const bot = createSlackBot({
    signingSecret: env.SLACK_SIGNING_SECRET,
    botToken: env.SLACK_BOT_TOKEN,
    slackApiUrl: env.SLACK_API_URL,
    api,
    teamId: env.SLACK_TEAM_ID,
    log,
  });
  if (!env.SLACK_TEAM_ID) {
    log.warn(
      'SLACK_TEAM_ID is not set: the bot answers signed requests of any Slack workspace (required when NODE_ENV=production).',
    );
  }
  const port = await bot.start({ port: env.SLACKBOT_PORT });
  log.info(
    { port, path: SLACK_EVENTS_PATH, api: env.HOPS_API_URL, team: env.SLACK_TEAM_ID },
    'Slack bot listening',
  );

  let worker: AlertWorker | undefined;
  const channel = env.SLACK_ALERTS_CHANNEL;
  if (channel) {
    const digestAs = env.SLACK_DIGEST_AS;
    worker = new AlertWorker({
      service: createHopsClient(api),
      post: async (message) => {
        await bot.web.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
      },
      log,
      pollMs: env.SLACK_ALERTS_POLL_MS,
      ...(digestAs
        ? {
            digest: {
              hourUtc: env.SLACK_DIGEST_HOUR_UTC,
              asAdmin: async () => {
                const who = await bot.identity.resolveEmail(digestAs);
                if (!who.ok) throw new Error(`Daily digest: ${who.reason}`);
                return createHopsClient(api, who.admin.userId);
              },
            },
          }
        : {}),
    });
    worker.start();
    log.info({ channel, pollMs: env.SLACK_ALERTS_POLL_MS, digestAs }, 'alert worker started');
    if (!digestAs) log.warn('SLACK_DIGEST_AS is not set: no daily digest will be posted.');
  } else {
    log.warn('SLACK_ALERTS_CHANNEL is not set: alerts are not posted.');
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await worker?.stop();
    await bot.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

await main();
