// The Slack Web API client the bot uses outside listeners (profiles, alert posts). Its base URL is
// SLACK_API_URL, so tests point it at a fake on loopback.
import { webApi } from '@slack/bolt';
import type { Logger } from './log.ts';
import { slackLogger } from './log.ts';

export type WebClient = webApi.WebClient;

export function webClientOptions(slackApiUrl: string, log: Logger): webApi.WebClientOptions {
  return {
    slackApiUrl,
    logger: slackLogger(log),
    // The default retries for up to half an hour; a person waits for a profile look-up, and the
    // alert worker retries on its own next tick.
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000 },
    timeout: 10_000,
  };
}

export function createWebClient(token: string, slackApiUrl: string, log: Logger): WebClient {
  return new webApi.WebClient(token, webClientOptions(slackApiUrl, log));
}

/** The e-mail of a Slack user's profile (needs the users:read.email scope), or null. */
export async function profileEmail(client: WebClient, slackUserId: string): Promise<string | null> {
  const result = await client.users.info({ user: slackUserId });
  return result.user?.profile?.email ?? null;
}
