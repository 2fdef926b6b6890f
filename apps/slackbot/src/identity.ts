// Who is asking: a Slack user → the e-mail of their Slack profile (cached) → a platform user
// (service.resolveActor). Only active admins may use the bot; everyone else learns why not.
import { apiErrorCode, errorSentence, type HopsClient } from './api.ts';
import type { Logger } from './log.ts';

export interface Admin {
  userId: string;
  email: string;
}

type Identity = { ok: true; admin: Admin } | { ok: false; reason: string };

interface IdentityOptions {
  /** The API as the bot itself (no act-as). */
  service: HopsClient;
  /** Slack user id → profile e-mail (users.info). */
  lookupEmail: (slackUserId: string) => Promise<string | null>;
  log: Logger;
  /** How long a Slack user's e-mail is trusted before asking Slack again. */
  ttlMs?: number;
  now?: () => number;
}

export class IdentityResolver {
  private readonly emails = new Map<string, { email: string; at: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: IdentityOptions) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The e-mail is cached; the platform user is looked up every time, so a suspension bites at once. */
  async resolveSlackUser(slackUserId: string): Promise<Identity> {
    let email: string | null;
    try {
      email = await this.emailOf(slackUserId);
    } catch (error) {
      this.options.log.warn({ err: error, slackUserId }, 'users.info failed');
      return {
        ok: false,
        reason:
          'I could not read your Slack profile right now, so I cannot tell who you are in hops. Please try again in a moment.',
      };
    }
    if (!email) {
      return {
        ok: false,
        reason: 'Your Slack profile shows no e-mail address, so I cannot tell who you are in hops.',
      };
    }
    return this.resolveEmail(email);
  }

  async resolveEmail(email: string): Promise<Identity> {
    let actor;
    try {
      actor = await this.options.service.service.resolveActor.query({ email });
    } catch (error) {
      if (apiErrorCode(error) === 'NOT_FOUND') {
        return {
          ok: false,
          reason: `No hops user has the e-mail ${email} of your Slack profile. Only hops admins can use /hops.`,
        };
      }
      this.options.log.warn({ err: error, email }, 'service.resolveActor failed');
      return { ok: false, reason: errorSentence(error) };
    }
    if (actor.status !== 'active') {
      return {
        ok: false,
        reason: `Your hops user ${email} is ${actor.status}, so you cannot use /hops.`,
      };
    }
    if (!actor.isAdmin) {
      return {
        ok: false,
        reason: `Your hops user ${email} is not an admin. Only hops admins can use /hops.`,
      };
    }
    return { ok: true, admin: { userId: actor.userId, email } };
  }

  private async emailOf(slackUserId: string): Promise<string | null> {
    const cached = this.emails.get(slackUserId);
    if (cached && this.now() - cached.at < this.ttlMs) return cached.email;
    const email = await this.options.lookupEmail(slackUserId);
    if (email) this.emails.set(slackUserId, { email, at: this.now() });
    else this.emails.delete(slackUserId);
    return email;
  }
}
