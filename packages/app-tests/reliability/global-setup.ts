// The shared test-database set-up, its template holding the job queue's schema (the demo seed
// enqueues jobs); kept as a file of its own so the suite's config names it.
export { default } from '@hops/api/testing/global-setup';
