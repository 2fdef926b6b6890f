// Every migration, in order. A static list (not a folder scan) so tsx, Vitest and bundlers agree.
import type { Migration } from 'kysely';
import * as m0001 from './0001_documented_schema.ts';
import * as m0002 from './0002_credit_ledger_and_audit.ts';
import * as m0003 from './0003_events_outbox.ts';
import * as m0004 from './0004_usage_date_covering_index.ts';
import * as m0005 from './0005_billing.ts';
import * as m0006 from './0006_checkout_credits.ts';
import * as m0007 from './0007_unreported_usage_index.ts';
import * as m0008 from './0008_mail_outbox.ts';
import * as m0009 from './0009_cluster_collection_fields.ts';
import * as m0010 from './0010_provisioning_and_spending_caps.ts';
import * as m0011 from './0011_session_revocation.ts';
import * as m0012 from './0012_usage_hourly.ts';
import * as m0013 from './0013_billing_predecessors.ts';
import * as m0014 from './0014_idempotency_keys.ts';
import * as m0015 from './0015_usage_daily_partitioned.ts';
import * as m0016 from './0016_rate_limits.ts';
import * as m0017 from './0017_event_cursor_owners.ts';
import * as m0018 from './0018_job_runner_heartbeats.ts';
import * as m0019 from './0019_usage_account_months.ts';
import * as m0020 from './0020_users_changed_notify.ts';

export const migrations: Record<string, Migration> = {
  '0001_documented_schema': m0001,
  '0002_credit_ledger_and_audit': m0002,
  '0003_events_outbox': m0003,
  '0004_usage_date_covering_index': m0004,
  '0005_billing': m0005,
  '0006_checkout_credits': m0006,
  '0007_unreported_usage_index': m0007,
  '0008_mail_outbox': m0008,
  '0009_cluster_collection_fields': m0009,
  '0010_provisioning_and_spending_caps': m0010,
  '0011_session_revocation': m0011,
  '0012_usage_hourly': m0012,
  '0013_billing_predecessors': m0013,
  '0014_idempotency_keys': m0014,
  '0015_usage_daily_partitioned': m0015,
  '0016_rate_limits': m0016,
  '0017_event_cursor_owners': m0017,
  '0018_job_runner_heartbeats': m0018,
  '0019_usage_account_months': m0019,
  '0020_users_changed_notify': m0020,
};
