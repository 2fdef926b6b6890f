// @hops/slackbot/testing: Slack's side of the wire for tests and benchmarks in other packages — a
// fake Web API on loopback, and requests signed as Slack signs them.
export * from './fake-slack.ts';
export * from './slack-wire.ts';
