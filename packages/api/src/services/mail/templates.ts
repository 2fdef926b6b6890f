// Every mail of SPEC §10, each from one source: a subject and a list of lines, rendered into a
// plain-text part and an HTML part. Every value is text: the HTML renderer escapes all of it, so a
// name like `<script>` or `"Bob" & co` arrives as written and never as markup.
import { formatUsd } from '../../decimal.ts';

/** Each mail's parameters (stored as JSON in the outbox row; no secrets here). */
export interface MailParams {
  invite: {
    inviterName: string | null;
    inviterEmail: string;
    /** Whose account the invitee joins (the owner's name or e-mail). */
    accountName: string;
    projectRole: string;
    /** ISO timestamp. */
    expiresAt: string;
  };
  invite_accepted: { memberName: string | null; memberEmail: string };
  member_removed: { accountName: string; ownerEmail: string };
  credits_low: { available: string; percent: number; lastTopUp: string };
  credits_exhausted: { unpaid: string };
  payment_failed: { amount: string; invoiceId: string; date: string };
  spending_cap: {
    percent: number;
    capUsd: string;
    spentUsd: string;
    month: string;
    policy: 'notify' | 'suspend';
  };
  account_deleted: { email: string };
}

export type MailKind = keyof MailParams;

/** What a template sees: its parameters, the dashboard's URL and, for an invite, its link. */
export interface TemplateInput<K extends MailKind> {
  params: MailParams[K];
  publicUrl: string;
  /** The invite link (built from the decrypted secret at send time); only for `invite`. */
  inviteUrl?: string;
}

type Line = string | { link: string; label: string };

interface Template {
  subject: string;
  lines: Line[];
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const dayOf = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

const usd = formatUsd;

const TEMPLATES: { [K in MailKind]: (input: TemplateInput<K>) => Template } = {
  invite: ({ params: p, inviteUrl }) => {
    const who = p.inviterName ? `${p.inviterName} (${p.inviterEmail})` : p.inviterEmail;
    return {
      subject: `${p.inviterName ?? p.inviterEmail} invites you to ${p.accountName} on hops`,
      lines: [
        `${who} invites you to join the account of ${p.accountName} on hops, as ${p.projectRole}.`,
        { link: inviteUrl ?? '', label: 'Accept the invite' },
        `The link works until ${dayOf(p.expiresAt)} (UTC) and only once. If you did not expect this invite, ignore this mail.`,
      ],
    };
  },
  invite_accepted: ({ params: p, publicUrl }) => ({
    subject: `${p.memberName ?? p.memberEmail} joined your team on hops`,
    lines: [
      `${p.memberName ? `${p.memberName} (${p.memberEmail})` : p.memberEmail} accepted your invite and is now a member of your account.`,
      { link: `${publicUrl}/team`, label: 'See your team' },
    ],
  }),
  member_removed: ({ params: p }) => ({
    subject: `You are no longer a member of ${p.accountName} on hops`,
    lines: [
      `${p.ownerEmail} removed you from the account of ${p.accountName}. Your own sign-in still works; usage from now on is no longer paid by that account.`,
    ],
  }),
  credits_low: ({ params: p, publicUrl }) => ({
    subject: `Your hops credits are below ${p.percent} % of your last top-up`,
    lines: [
      `Your account has ${usd(p.available)} of credits left, below ${p.percent} % of your last top-up (${usd(p.lastTopUp)}).`,
      { link: `${publicUrl}/billing`, label: 'Buy credits' },
    ],
  }),
  credits_exhausted: ({ params: p, publicUrl }) => ({
    subject: 'Your hops credits are used up',
    lines: [
      `Your account has no credits left. Usage beyond them is recorded as unpaid (${usd(p.unpaid)} so far).`,
      { link: `${publicUrl}/billing`, label: 'Buy credits' },
    ],
  }),
  payment_failed: ({ params: p, publicUrl }) => ({
    subject: 'A payment for your hops account failed',
    lines: [
      `Stripe could not collect ${usd(p.amount)} for invoice ${p.invoiceId} on ${dayOf(p.date)}.`,
      'Please check your card or add another one; Stripe retries the payment.',
      { link: `${publicUrl}/billing`, label: 'Open Billing' },
    ],
  }),
  spending_cap: ({ params: p, publicUrl }) => ({
    subject: `Your hops account has used ${p.percent} % of its spending cap for ${p.month}`,
    lines: [
      `This month your account has used ${usd(p.spentUsd)} of its ${usd(p.capUsd)} cap (${p.percent} %).`,
      p.policy === 'suspend'
        ? p.percent >= 100
          ? "Your team's people are deactivated on their cluster until next month, a higher cap or no cap."
          : "At 100 % your team's people are deactivated on their cluster until next month."
        : 'The cap only warns: nothing is stopped.',
      { link: `${publicUrl}/billing`, label: 'Open Billing' },
    ],
  }),
  account_deleted: ({ params: p }) => ({
    subject: 'Your hops account was deleted',
    lines: [
      `The hops account of ${p.email} was deleted. You can no longer sign in with it; the e-mail address is free for a new account.`,
    ],
  }),
};

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export function renderMail<K extends MailKind>(kind: K, input: TemplateInput<K>): RenderedMail {
  const { subject, lines } = TEMPLATES[kind](input);
  const text = lines
    .map((line) => (typeof line === 'string' ? line : `${line.label}: ${line.link}`))
    .join('\n\n');
  const body = lines
    .map((line) =>
      typeof line === 'string'
        ? `<p>${escapeHtml(line)}</p>`
        : `<p><a href="${escapeHtml(line.link)}">${escapeHtml(line.label)}</a></p>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; max-width: 36em">
${body}
<p style="color: #666; font-size: 0.9em">hops</p>
</body></html>`;
  return { subject, text: `${text}\n\n-- \nhops\n`, html };
}
