// The alert worker: polls the API's outbox (events.since) and posts each alert to the alerts
// channel, then once a day a digest of yesterday's cost by account.
//
// Delivery is at-least-once with commit-after-post: an event's cursor is committed
// (events.commit) only after its chat.postMessage succeeded, one event at a time. A crash between
// the post and the commit re-posts that one alert after a restart; nothing is ever lost, and
// nothing already committed is posted again.
//
// The digest remembers the last day it covered in a cursor of its own (consumer
// 'slackbot-digest', whose "last event id" is the day as the number YYYYMMDD), kept by the API
// like the alert cursor, so a restart or a second bot does not post a day twice. The same
// post-then-commit order applies.
import { addDays, utcDay } from '@hops/api/days';
import { formatUsd, sumDecimals } from '@hops/api/decimal';
import type { ClusterCapacity, HopsEvent, OutboxEvent } from '@hops/api/events';
import type { HopsClient } from './api.ts';
import { hourEnd } from './blocks/collection.ts';
import { count, when } from './blocks/format.ts';
import { context, esc, header, section, type Block, type Reply } from './blocks/kit.ts';
import { rankingTable, type RankedAccount } from './blocks/ranking.ts';
import type { Logger } from './log.ts';

const ALERTS_CONSUMER = 'slackbot';
/** How many accounts the daily digest ranks. */
const DIGEST_TOP = 10;
const DIGEST_CONSUMER = 'slackbot-digest';

export interface AlertWorkerOptions {
  /** The API as the bot itself (events.since / events.commit are service procedures). */
  service: HopsClient;
  /** Posts one message to the alerts channel; throws when Slack did not take it. */
  post: (message: Reply) => Promise<void>;
  log: Logger;
  pollMs: number;
  /**
   * The daily digest: usage.top is an admin procedure, so the digest reads it through a client
   * acting as an admin (`asAdmin`, resolved when needed). Omit to post no digest.
   */
  digest?: { asAdmin: () => Promise<HopsClient>; hourUtc: number };
  now?: () => Date;
  /** Events read per call. */
  batch?: number;
}

/** How full a cluster is, rounded down: "90 %" (max_users > 0 is a check of the schema). */
function percent({ currentUsers, maxUsers }: ClusterCapacity): string {
  return `${Math.floor((currentUsers * 100) / maxUsers)} %`;
}

/** The sentence of one alert, in Slack mrkdwn. */
function alertLine(event: HopsEvent): string {
  switch (event.kind) {
    case 'cluster.capacity_high': {
      const p = event.payload;
      return `:warning: Cluster *${esc(p.name)}* is at ${percent(p)} of its capacity (${p.currentUsers}/${p.maxUsers} users).`;
    }
    case 'cluster.over_capacity': {
      const p = event.payload;
      return `:rotating_light: Cluster *${esc(p.name)}* is over capacity: ${p.currentUsers}/${p.maxUsers} users (${percent(p)}). A member joined their owner's full cluster; add capacity or move the account.`;
    }
    case 'cluster.no_room': {
      const { email, users } = event.payload;
      return `:rotating_light: No active cluster has room for the account of *${esc(email)}* (${count(users, 'user')}). Add capacity or a cluster, then \`/hops assign ${esc(email)} auto\`.`;
    }
    case 'credits.exhausted': {
      const { email, unpaidUsage } = event.payload;
      return `:money_with_wings: *${esc(email)}* has used up their prepaid credits. Usage not covered: ${formatUsd(unpaidUsage)}. See \`/hops credits ${esc(email)}\`.`;
    }
    case 'invite.accepted': {
      const { memberEmail, ownerEmail } = event.payload;
      return `:tada: *${esc(memberEmail)}* accepted the invite to *${esc(ownerEmail)}*'s account.`;
    }
    case 'billing.payment_method_added': {
      const { email, brand, last4 } = event.payload;
      return `:credit_card: *${esc(email)}* put a card on file (${esc(brand)} ending ${esc(last4)}).`;
    }
    case 'billing.payment_failed': {
      const { email, amount, invoiceId } = event.payload;
      return `:credit_card: Payment failed for *${esc(email)}*: ${formatUsd(amount)} (invoice ${esc(invoiceId)}).`;
    }
    case 'billing.subscription_ended': {
      const { email, subscriptionId } = event.payload;
      return `:no_entry: The Stripe subscription of *${esc(email)}* ended (${esc(subscriptionId)}); the account gets no new cluster until a card is on file again.`;
    }
    case 'billing.late_correction': {
      const { email, date, reported, stored } = event.payload;
      return `:warning: Usage of *${esc(email)}* on ${esc(date)} changed after it was reported and is too old for Stripe: Stripe has ${formatUsd(reported)}, we store ${formatUsd(stored)}. Adjust the invoice by hand.`;
    }
    case 'team.ownership_transferred': {
      const { formerOwnerEmail, newOwnerEmail, members } = event.payload;
      return `:handshake: *${esc(formerOwnerEmail)}* handed their account (${count(members, 'person', 'people')}) to *${esc(newOwnerEmail)}*, who owns and pays for it from now on.`;
    }
    case 'clusters.provisioning_failed': {
      const { email, cluster, action, attempts, error, jobId } = event.payload;
      return `:rotating_light: Could not ${action} *${esc(email)}* on cluster *${esc(cluster)}* after ${count(attempts, 'attempt')}: ${esc(error)} Retry it from the cluster page once the cause is fixed (job ${esc(jobId)}).`;
    }
    case 'clusters.collection_gap': {
      const { cluster, lastHour, hoursBehind, error } = event.payload;
      const behind =
        lastHour === null || hoursBehind === null
          ? 'nothing has been collected from it yet'
          : `it is ${count(hoursBehind, 'hour')} behind (collected to ${when(hourEnd(lastHour))})`;
      const cause = error ? ` The newest failure: ${esc(error)}` : '';
      return `:rotating_light: Usage collection of cluster *${esc(cluster)}* has a gap: ${behind}.${cause} Once OpenCost answers again the missing hours are collected and billed, up to 48 hours back; see the cluster page or \`/hops clusters\`.`;
    }
    case 'account.spending_cap': {
      const { email, threshold, capUsd, monthToDateUsd, month, policy, suspended } = event.payload;
      const what = suspended
        ? " The account's people are deactivated on their cluster until next month, a higher cap or no cap."
        : threshold === 100 && policy === 'notify'
          ? ' The cap only warns: nothing was stopped.'
          : '';
      return `:chart_with_upwards_trend: *${esc(email)}* reached ${threshold} % of the ${formatUsd(capUsd)} spending cap for ${esc(month)}: ${formatUsd(monthToDateUsd)} so far.${what}`;
    }
    default:
      return unknownAlertLine(event);
  }
}

/**
 * A kind this bot was built without (a newer API's): posted plainly rather than dropped. Its
 * `never` makes a kind added to HopsEvent fail to compile until alertLine has a case for it.
 */
function unknownAlertLine(event: never): string {
  const { kind, payload } = event as { kind: string; payload: unknown };
  return `:bell: ${esc(kind)}: \`${esc(JSON.stringify(payload))}\``;
}

/** One alert as a Slack message. */
export function formatAlert(event: OutboxEvent): Reply {
  const line = alertLine(event);
  const blocks: Block[] = [section(line), context(`${when(event.at)} · event ${event.id}`)];
  return { text: line.replace(/[*`]/g, '').replace(/:[a-z_]+: /, ''), blocks };
}

/** `limit`: how many accounts were asked for; fewer lines mean every account with usage is there. */
export function formatDigest(day: string, lines: RankedAccount[], limit = DIGEST_TOP): Reply {
  const title = `Cost by account, ${day}`;
  if (lines.length === 0) {
    return {
      text: `${title}: no usage.`,
      blocks: [header(title), context('No usage was recorded that day.')],
    };
  }
  const total = sumDecimals(lines.map((l) => l.totalCost));
  const accounts = count(lines.length, 'account');
  const which =
    lines.length < limit
      ? lines.length === 1
        ? 'the only account with usage'
        : `all ${accounts} with usage`
      : `the top ${accounts}`;
  return {
    text: `${title}: ${formatUsd(total)} across ${which}`,
    blocks: [
      header(title),
      rankingTable(lines),
      context(`${formatUsd(total)} across ${which} · UTC day`),
    ],
  };
}

export class AlertWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private stopping = false;
  private lastDigestKey = 0;
  private failures = 0;
  private digestProblem: string | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: AlertWorkerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    this.schedule(0);
  }

  /** Stops polling and waits for a tick in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(({ more }) => {
          if (this.failures > 0) this.options.log.info('alert worker: working again');
          this.failures = 0;
          this.schedule(more ? 0 : this.options.pollMs);
        })
        .catch((error: unknown) => {
          // The API or Slack is away: back off (up to a minute) and say so without flooding the log.
          this.failures += 1;
          const delay = Math.min(this.options.pollMs * 2 ** (this.failures - 1), 60_000);
          if ((this.failures & (this.failures - 1)) === 0) {
            this.options.log.warn(
              {
                err: error instanceof Error ? error.message : String(error),
                failures: this.failures,
              },
              `alert worker: poll failed; retrying in ${delay} ms`,
            );
          }
          this.schedule(delay);
        });
    }, ms);
  }

  /** One poll: posts pending alerts in order, then the digest when due. */
  async tick(): Promise<{ posted: number; more: boolean }> {
    const { service, post, log } = this.options;
    const batch = this.options.batch ?? 100;
    const { events } = await service.events.since.query({
      consumer: ALERTS_CONSUMER,
      limit: batch,
    });
    let posted = 0;
    for (const event of events) {
      if (this.stopping) break; // what is not committed yet is posted by the next start
      await post(formatAlert(event)); // 1. post …
      await service.events.commit.mutate({ consumer: ALERTS_CONSUMER, lastEventId: event.id }); // 2. … then commit
      posted += 1;
      log.info({ eventId: event.id, kind: event.kind }, 'alert posted');
    }
    try {
      await this.digestIfDue();
      this.digestProblem = undefined;
    } catch (error) {
      // A digest that cannot be made (say SLACK_DIGEST_AS is no admin) must not hold up alerts.
      const problem = error instanceof Error ? error.message : String(error);
      if (problem !== this.digestProblem) log.warn({ err: problem }, 'daily digest failed');
      this.digestProblem = problem;
    }
    return { posted, more: events.length === batch };
  }

  /** Posts yesterday's digest once, from `hourUtc` on. */
  async digestIfDue(): Promise<boolean> {
    const digest = this.options.digest;
    if (!digest) return false;
    const now = this.now();
    if (now.getUTCHours() < digest.hourUtc) return false;
    const day = addDays(utcDay(now), -1);
    const key = Number(day.replaceAll('-', ''));
    if (this.lastDigestKey >= key) return false;
    const { service, post, log } = this.options;
    const { cursor } = await service.events.since.query({ consumer: DIGEST_CONSUMER, limit: 1 });
    if (cursor >= key) {
      this.lastDigestKey = cursor;
      return false;
    }
    const api = await digest.asAdmin();
    const ranking = await api.usage.top.query({ from: day, to: day, limit: DIGEST_TOP });
    await post(formatDigest(day, ranking, DIGEST_TOP)); // 1. post …
    await service.events.commit.mutate({ consumer: DIGEST_CONSUMER, lastEventId: key }); // 2. … then commit
    this.lastDigestKey = key;
    log.info({ day }, 'daily digest posted');
    return true;
  }
}
