// The outbox's events (SPEC §2.2) as one union keyed by `kind`: the writer (emitEvent) and every
// reader (events.since, the Slack bot) share it. Client-safe: no kysely, no node imports.

/** What a capacity alert says about the cluster, after the change that crossed the line. */
export interface ClusterCapacity {
  clusterId: string;
  name: string;
  currentUsers: number;
  maxUsers: number;
}

export type HopsEvent =
  /** A cluster reached 90 % of its capacity. */
  | { kind: 'cluster.capacity_high'; payload: ClusterCapacity }
  /** A cluster went over its capacity (a member joined their owner's full cluster). */
  | { kind: 'cluster.over_capacity'; payload: ClusterCapacity }
  /** No active cluster has room for an owner's whole account. */
  | { kind: 'cluster.no_room'; payload: { ownerId: string; email: string; users: number } }
  /** A prepaid owner's credits ran out; `unpaidUsage` is a 4-decimal string. */
  | {
      kind: 'credits.exhausted';
      payload: { ownerId: string; email: string; unpaidUsage: string };
    }
  /** Someone accepted an invite and joined the owner's account. */
  | {
      kind: 'invite.accepted';
      payload: {
        inviteId: string;
        ownerId: string;
        ownerEmail: string;
        memberId: string;
        memberEmail: string;
      };
    }
  /** An owner put a card on file through Stripe Checkout (SPEC §8). */
  | {
      kind: 'billing.payment_method_added';
      payload: { ownerId: string; email: string; brand: string; last4: string };
    }
  /** Stripe could not collect an invoice; `amount` is USD with 2 decimals. */
  | {
      kind: 'billing.payment_failed';
      payload: { ownerId: string; email: string; invoiceId: string; amount: string };
    }
  /** An owner's metered subscription was deleted in Stripe: no new assignments. */
  | {
      kind: 'billing.subscription_ended';
      payload: { ownerId: string; email: string; subscriptionId: string };
    }
  /**
   * A day older than Stripe's 35-day window changed after it was reported: it cannot be sent.
   * `reported` (what Stripe holds) and `stored` (our total) are USD with 4 decimals.
   */
  | {
      kind: 'billing.late_correction';
      payload: {
        ownerId: string;
        email: string;
        date: string;
        revision: number;
        reported: string;
        stored: string;
      };
    }
  /** An owner handed their account to one of its members (SPEC §11); `members` counts everyone moved. */
  | {
      kind: 'team.ownership_transferred';
      payload: {
        formerOwnerId: string;
        formerOwnerEmail: string;
        newOwnerId: string;
        newOwnerEmail: string;
        members: number;
      };
    }
  /**
   * A change of a person's account on a Hopsworks cluster failed 5 times and stays failed until an
   * admin retries it (`clusters.retryProvisioning { jobId }`).
   */
  | {
      kind: 'clusters.provisioning_failed';
      payload: {
        jobId: string;
        userId: string;
        email: string;
        clusterId: string;
        cluster: string;
        action: 'activate' | 'deactivate';
        attempts: number;
        error: string;
      };
    }
  /**
   * A cluster's usage collection fell more than 3 completed hours behind (SPEC §9), once per gap:
   * `lastHour` the newest hour collected (ISO, or null: none yet), `error` its newest failure.
   */
  | {
      kind: 'clusters.collection_gap';
      payload: {
        clusterId: string;
        cluster: string;
        lastHour: string | null;
        hoursBehind: number | null;
        error: string | null;
      };
    }
  /**
   * An account's month-to-date cost reached 50, 80 or 100 % of its spending cap (SPEC §11), once
   * per threshold, month and cap. USD amounts: `capUsd` 2 decimals, `monthToDateUsd` 4. With the
   * `suspend` policy at 100 %, `suspended` says the account's people were deactivated.
   */
  | {
      kind: 'account.spending_cap';
      payload: {
        ownerId: string;
        email: string;
        month: string;
        threshold: 50 | 80 | 100;
        capUsd: string;
        monthToDateUsd: string;
        policy: 'notify' | 'suspend';
        suspended: boolean;
      };
    };

export type EventKind = HopsEvent['kind'];

/** The member of the union for one kind: `EventOf<'cluster.no_room'>['payload']`. */
export type EventOf<K extends EventKind> = Extract<HopsEvent, { kind: K }>;

/** An event as the outbox hands it out. */
export type OutboxEvent = { id: number; at: string } & HopsEvent;
