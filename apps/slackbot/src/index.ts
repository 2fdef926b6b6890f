// @hops/slackbot as other workspace packages see it: the bot's wiring, and what its end-to-end
// tests (@hops/app-tests) and its benchmark (@hops/bench) drive and read it with. The one door
// into src/ from outside: keep it in step with the modules it names.
export { createSlackBot, SLACK_EVENTS_PATH, type SlackBot, type SlackBotOptions } from './app.ts';
export { createHopsClient, type ApiConfig, type HopsClient } from './api.ts';
export { CANCEL_ACTION, CONFIRM_ACTION } from './confirm.ts';
export { REVOKE_ACTION } from './commands/invites.ts';
export { AlertWorker, formatAlert, formatDigest, type AlertWorkerOptions } from './alerts.ts';
export { ask, parseAskArgs } from './ask.ts';
export type { Block } from './blocks/kit.ts';
export { replyToText } from './blocks/text.ts';
