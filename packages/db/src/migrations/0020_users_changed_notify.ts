// Every change to what a caller is (SPEC §12: who they are, their account, whether they may sign
// in) is announced on the channel `hops_user_changed`, with the user's id as the payload ('*' for
// all). Each API process keeps the callers' rows it has read (@hops/api's caller cache, so that a
// request makes one round trip instead of two) and forgets a row the moment its change is
// announced. The notification goes out when the changing transaction commits, to every process
// listening, whichever replica, job or psql session made the change.
import { sql, type Kysely } from 'kysely';

/** The users columns a caller is made of (loadUserActor's, and the session check's). */
const CALLER_COLUMNS = [
  'id',
  'email',
  'name',
  'is_admin',
  'account_owner_id',
  'status',
  'billing_mode',
  'sessions_valid_after',
];

const row = (alias: 'OLD' | 'NEW') => CALLER_COLUMNS.map((c) => `${alias}.${c}`).join(', ');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION notify_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('hops_user_changed', OLD.id);
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION notify_users_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('hops_user_changed', '*');
      RETURN NULL;
    END $$`.execute(db);
  // Only changes of a caller's columns: a new Stripe customer id or feature flag says nothing.
  await sql`
    CREATE TRIGGER users_changed_notify AFTER UPDATE ON users FOR EACH ROW
      WHEN ((${sql.raw(row('OLD'))}) IS DISTINCT FROM (${sql.raw(row('NEW'))}))
      EXECUTE FUNCTION notify_user_changed()`.execute(db);
  await sql`
    CREATE TRIGGER users_deleted_notify AFTER DELETE ON users FOR EACH ROW
      EXECUTE FUNCTION notify_user_changed()`.execute(db);
  await sql`
    CREATE TRIGGER users_truncated_notify AFTER TRUNCATE ON users FOR EACH STATEMENT
      EXECUTE FUNCTION notify_users_truncated()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER users_truncated_notify ON users`.execute(db);
  await sql`DROP TRIGGER users_deleted_notify ON users`.execute(db);
  await sql`DROP TRIGGER users_changed_notify ON users`.execute(db);
  await sql`DROP FUNCTION notify_users_truncated()`.execute(db);
  await sql`DROP FUNCTION notify_user_changed()`.execute(db);
}
