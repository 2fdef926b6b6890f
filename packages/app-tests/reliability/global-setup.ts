// The shared test-database set-up; kept as a file of its own so the suite's config names it.
export { default } from '@hops/db/testing/global-setup';
