// A short notice after coming back from Stripe (`?setup=done|cancelled`, `?topup=done|cancelled`).
// Stripe confirms through the webhook, so "done" says what happens next rather than that it happened.
import { Alert } from '@mantine/core';
import { useUrlState } from '../../lib/url-state.ts';

const NOTICES: Record<string, { color: string; text: string }> = {
  'setup=done': {
    color: 'teal',
    text: 'Your card was saved with Stripe. It shows here as soon as Stripe confirms it.',
  },
  'setup=cancelled': {
    color: 'gray',
    text: 'Adding a payment method was cancelled. No card was saved.',
  },
  'topup=done': {
    color: 'teal',
    text: 'Thank you. Your credits are added as soon as Stripe confirms the payment.',
  },
  'topup=cancelled': {
    color: 'gray',
    text: 'Buying credits was cancelled. Nothing was charged.',
  },
};

/** Which return from Stripe the address bar tells of, if any (`setup=done`, …). */
export function useStripeReturn(): string | null {
  const [params] = useUrlState();
  for (const key of ['setup', 'topup']) {
    const value = params.get(key);
    if (value && NOTICES[`${key}=${value}`]) return `${key}=${value}`;
  }
  return null;
}

export function ReturnNotice() {
  const [, setUrl] = useUrlState();
  const which = useStripeReturn();
  if (!which) return null;
  const notice = NOTICES[which]!;
  return (
    <Alert
      color={notice.color}
      withCloseButton
      closeButtonLabel="Dismiss"
      onClose={() => setUrl({ setup: null, topup: null })}
      data-testid="billing-return-notice"
    >
      {notice.text}
    </Alert>
  );
}
