// Idempotency keys (SPEC §12): a mutation sent with a key is carried out once per (caller, key),
// whichever API server receives it and however often it is sent again; a repeat gets the first
// call's answer. A row is claimed (in_progress) before the mutation runs and holds its answer once
// done; `outcome` is sealed with the server's SecretBox, since an answer can carry a secret (an
// invite link). Rows are dropped a day after they were made (expires_at), lazily by later claims.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    // Who sent the key: `service:<token name>` or `user:<id>`; keys of different callers never meet.
    .addColumn('caller', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('procedure', 'text', (c) => c.notNull())
    // sha256 of the procedure's input: the same key with another input is refused.
    .addColumn('input_hash', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('in_progress'))
    // Sealed JSON: { ok: true, data } or { ok: false, code, message }.
    .addColumn('outcome', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(db.fn('now')))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['caller', 'key'])
    .addCheckConstraint('idempotency_keys_state_check', sql`state IN ('in_progress', 'done')`)
    .addCheckConstraint(
      'idempotency_keys_key_check',
      sql`length(key) BETWEEN 1 AND 200 AND length(caller) BETWEEN 1 AND 200`,
    )
    .addCheckConstraint(
      'idempotency_keys_outcome_check',
      sql`(state = 'done') = (outcome IS NOT NULL AND finished_at IS NOT NULL)`,
    )
    .execute();
  await db.schema
    .createIndex('idempotency_keys_expires_idx')
    .on('idempotency_keys')
    .column('expires_at')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
}
