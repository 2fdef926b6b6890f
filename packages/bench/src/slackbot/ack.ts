// The Slack bot's benchmark (run by index.ts): how fast the bot acknowledges 200 signed slash
// commands (median and p99, one after another, each command's real work running after its ack on
// the same process), against the floor of a bare node:http server that only checks the same
// signature and answers 200. The API server runs in its own process (@hops/web's server/main.ts)
// on a seeded scratch database; Slack's Web API is the test fake on loopback
// (@hops/slackbot/testing).
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSlackBot, SLACK_EVENTS_PATH } from '@hops/slackbot';
import {
  signedHeaders,
  slackSignature,
  slashCommandBody,
  startFakeSlack,
} from '@hops/slackbot/testing';
import { pino } from 'pino';
import { median, ms, quantile, ratio, say, table, type BenchResult } from '../report.ts';
import { seedDemoDatabase } from '../generate.ts';
import { createScratchDatabase, dropScratchDatabase } from '../scratch.ts';
import { startApiServer } from '../web/servers.ts';

const REQUESTS = 200;
const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
const BOT_TOKEN = 'xoxb-test-token'; // the token the fake Slack accepts
const ADMIN = { id: 'U0ADMIN', email: 'admin@hops.test' };
const LINES = ['help', 'clusters', 'whois alice@acme.test', 'top 7 3'];

/** 200 signed commands, one after another; the time of each until its whole ack has arrived. */
async function acks(url: string, responseUrl: (key: string) => string): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const body = slashCommandBody({
      text: LINES[i % LINES.length]!,
      userId: ADMIN.id,
      responseUrl: responseUrl(randomUUID()),
    });
    const headers = signedHeaders(SIGNING_SECRET, body);
    const started = performance.now();
    const response = await fetch(url, { method: 'POST', headers, body });
    await response.arrayBuffer();
    samples.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`ack ${i}: ${response.status}`);
  }
  return samples;
}

/** The floor: read the body, check the signature and the timestamp, answer 200. */
async function startFloor(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const timestamp = Number(req.headers['x-slack-request-timestamp']);
      const expected = Buffer.from(slackSignature(SIGNING_SECRET, timestamp, body));
      const given = Buffer.from(String(req.headers['x-slack-signature'] ?? ''));
      const fresh = Math.abs(Date.now() / 1000 - timestamp) < 300;
      const ok = fresh && given.length === expected.length && timingSafeEqual(given, expected);
      res.writeHead(ok ? 200 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${SLACK_EVENTS_PATH}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Starts the API server, the bot and the floor on a seeded scratch database, and measures. */
export async function benchAck(): Promise<BenchResult> {
  const name = `hops_bench_slack_${process.pid}`;
  const databaseUrl = await createScratchDatabase(name);
  let api: Awaited<ReturnType<typeof startApiServer>> | undefined;
  try {
    await seedDemoDatabase(databaseUrl);
    api = await startApiServer(databaseUrl);
    const slack = await startFakeSlack();
    slack.profiles.set(ADMIN.id, ADMIN.email);
    const bot = createSlackBot({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      slackApiUrl: slack.apiUrl,
      api: { url: api.url, serviceToken: api.serviceToken },
      log: pino({ level: 'silent' }),
    });
    const port = await bot.start({ port: 0, host: '127.0.0.1' });
    const floor = await startFloor();
    try {
      say('slack: warm-up');
      await acks(floor.url, slack.responseUrl);
      const warm = await acks(`http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`, slack.responseUrl);
      say(`slack: ${REQUESTS} signed commands to the bot, then to the floor`);
      const bot200 = await acks(`http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`, slack.responseUrl);
      const floor200 = await acks(floor.url, slack.responseUrl);
      // Every command was answered through its response_url too (the work after the ack).
      const deadline = Date.now() + 60_000;
      while ([...slack.responses.values()].length < 2 * REQUESTS && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const answered = [...slack.responses.values()].length;
      const p99 = quantile(bot200, 0.99);
      return {
        title: 'Slack: acknowledgement latency',
        command: 'pnpm --filter @hops/bench bench:slack',
        markdown: [
          `${REQUESTS} signed \`/hops\` commands (${LINES.join(', ')}), one after another, after ${warm.length} warm-up commands; each command's work (identity look-up, API calls, the reply to its response_url) runs after its ack in the same process. ${answered} of ${2 * REQUESTS} commands were answered through their response_url.`,
          '',
          table(
            ['receiver', 'median', 'p99', 'max'],
            [
              [
                'the bot (Bolt HTTPReceiver, signature check, ack)',
                ms(median(bot200)),
                ms(p99),
                ms(Math.max(...bot200)),
              ],
              [
                'floor: node:http + the same signature check',
                ms(median(floor200)),
                ms(quantile(floor200, 0.99)),
                ms(Math.max(...floor200)),
              ],
              [
                'ratio',
                ratio(median(bot200) / median(floor200)),
                ratio(p99 / quantile(floor200, 0.99)),
                '',
              ],
            ],
          ),
        ].join('\n'),
        targets: [
          {
            target: 'Slack ack p99 < 100 ms',
            measured: `p99 ${ms(p99)} (median ${ms(median(bot200))}; floor p99 ${ms(quantile(floor200, 0.99))})`,
            met: p99 < 100,
          },
        ],
        data: { bot: bot200, floor: floor200 },
      };
    } finally {
      await floor.close();
      await bot.stop();
      await slack.close();
    }
  } finally {
    await api?.stop();
    await dropScratchDatabase(name);
  }
}
