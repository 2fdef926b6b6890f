// Leaving the dashboard for another site (Stripe's Checkout and Billing Portal) or for a fresh load
// of the sign-in page: one function, so tests can see where the browser was sent without jsdom
// navigating.
export function leaveTo(url: string): void {
  window.location.assign(url);
}
