// `pnpm --filter @hops/bench bench:slack`: how fast the bot acknowledges signed slash commands,
// against a bare node:http floor, on a seeded scratch database of its own.
import { publish } from '../report.ts';
import { benchAck } from './ack.ts';

publish('slack-ack', await benchAck());
