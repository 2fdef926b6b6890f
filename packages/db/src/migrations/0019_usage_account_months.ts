// A rollup of usage_daily by account and day, kept exact by usage_daily itself (issue 15): one row
// per (payer, month) holding the month's running total cost, day by day. `cum[d]` is what the
// account's usage cost from the 1st of the month through day d (numeric, 4 decimals, as summed
// from the rows), so any range of days costs one subtraction per month it touches:
//
//   cost(from..to) = Σ over the months m it touches of cum_m[last day in range] − cum_m[first − 1]
//
// and the top accounts over 30 days read at most two (rarely three) rows per account instead of
// every user-day. Statement-level triggers with transition tables keep it, set-based, in the very
// statement (and transaction) that writes usage_daily, whoever writes it: usage.ingest, the
// collector, a correction, a delete, a move of a row to another day or payer; TRUNCATE empties it.
// A day whose net change is zero writes nothing. Costs are never negative, so a month row exists
// only for an account that had usage in it; a range without rows costs 0.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE usage_account_months (
      account_owner_id text NOT NULL,
      month date NOT NULL CHECK (month = date_trunc('month', month)::date),
      cum numeric[] NOT NULL,
      PRIMARY KEY (account_owner_id, month),
      CHECK (cardinality(cum) = extract(day FROM month + interval '1 month' - interval '1 day'))
    )`.execute(db);
  // The top accounts of a range read this index alone (its rows are small: one month's figures).
  await sql`
    CREATE INDEX usage_account_months_month_idx
      ON usage_account_months (month) INCLUDE (account_owner_id, cum)`.execute(db);

  // cum + the running sum of the day changes (days ascending, 1-based); a new month starts at 0.
  await sql`
    CREATE FUNCTION usage_cum_apply(cum numeric[], month date, days int[], deltas numeric[])
    RETURNS numeric[] LANGUAGE plpgsql IMMUTABLE AS $fn$
    DECLARE
      n int := extract(day FROM month + interval '1 month' - interval '1 day');
      result numeric[] := coalesce(cum, array_fill(0::numeric, ARRAY[n]));
      running numeric := 0;
      j int := 1;
      k int := coalesce(cardinality(days), 0);
    BEGIN
      FOR i IN 1..n LOOP
        WHILE j <= k AND days[j] = i LOOP
          running := running + deltas[j];
          j := j + 1;
        END LOOP;
        IF running <> 0 THEN result[i] := result[i] + running; END IF;
      END LOOP;
      RETURN result;
    END
    $fn$`.execute(db);
  // Element by element (both of one month, so of one length).
  await sql`
    CREATE FUNCTION usage_cum_plus(a numeric[], b numeric[])
    RETURNS numeric[] LANGUAGE plpgsql IMMUTABLE AS $fn$
    DECLARE result numeric[] := a;
    BEGIN
      FOR i IN 1..cardinality(a) LOOP
        IF b[i] <> 0 THEN result[i] := a[i] + b[i]; END IF;
      END LOOP;
      RETURN result;
    END
    $fn$`.execute(db);

  // The changes of one statement, net by (payer, day), folded into their months in key order (so
  // two writers of one account's month queue on its row instead of deadlocking).
  await sql`
    CREATE FUNCTION usage_account_months_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE changes text;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        changes := 'SELECT account_owner_id, date, total_cost FROM new_rows';
      ELSIF TG_OP = 'UPDATE' THEN
        changes := 'SELECT account_owner_id, date, total_cost FROM new_rows
                    UNION ALL SELECT account_owner_id, date, -total_cost FROM old_rows';
      ELSE
        changes := 'SELECT account_owner_id, date, -total_cost FROM old_rows';
      END IF;
      EXECUTE format($sql$
        WITH changes (account_owner_id, date, delta) AS (%s),
        by_day AS (
          SELECT account_owner_id, date, sum(delta) AS delta
          FROM changes GROUP BY account_owner_id, date HAVING sum(delta) <> 0
        ),
        months AS (
          SELECT account_owner_id, date_trunc('month', date)::date AS month,
                 array_agg(extract(day FROM date)::int ORDER BY date) AS days,
                 array_agg(delta ORDER BY date) AS deltas
          FROM by_day GROUP BY 1, 2
        )
        INSERT INTO usage_account_months AS m (account_owner_id, month, cum)
        SELECT account_owner_id, month, usage_cum_apply(NULL, month, days, deltas)
        FROM months
        ORDER BY account_owner_id, month
        ON CONFLICT (account_owner_id, month)
          DO UPDATE SET cum = usage_cum_plus(m.cum, EXCLUDED.cum)
      $sql$, changes);
      RETURN NULL;
    END
    $fn$`.execute(db);
  await sql`
    CREATE TRIGGER usage_account_months_insert AFTER INSERT ON usage_daily
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION usage_account_months_apply()`.execute(db);
  await sql`
    CREATE TRIGGER usage_account_months_update AFTER UPDATE ON usage_daily
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION usage_account_months_apply()`.execute(db);
  await sql`
    CREATE TRIGGER usage_account_months_delete AFTER DELETE ON usage_daily
      REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION usage_account_months_apply()`.execute(db);
  await sql`
    CREATE FUNCTION usage_account_months_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      TRUNCATE usage_account_months;
      RETURN NULL;
    END
    $fn$`.execute(db);
  await sql`
    CREATE TRIGGER usage_account_months_truncate AFTER TRUNCATE ON usage_daily
      FOR EACH STATEMENT EXECUTE FUNCTION usage_account_months_truncate()`.execute(db);

  // The rows there already, in one pass.
  await sql`
    INSERT INTO usage_account_months (account_owner_id, month, cum)
    SELECT account_owner_id, month,
           usage_cum_apply(NULL, month, array_agg(day ORDER BY day), array_agg(cost ORDER BY day))
    FROM (
      SELECT account_owner_id, date_trunc('month', date)::date AS month,
             extract(day FROM date)::int AS day, sum(total_cost) AS cost
      FROM usage_daily
      GROUP BY 1, 2, 3
      HAVING sum(total_cost) <> 0
    ) d
    GROUP BY account_owner_id, month`.execute(db);
  await sql`ANALYZE usage_account_months`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER usage_account_months_truncate ON usage_daily`.execute(db);
  await sql`DROP TRIGGER usage_account_months_delete ON usage_daily`.execute(db);
  await sql`DROP TRIGGER usage_account_months_update ON usage_daily`.execute(db);
  await sql`DROP TRIGGER usage_account_months_insert ON usage_daily`.execute(db);
  await sql`DROP FUNCTION usage_account_months_truncate()`.execute(db);
  await sql`DROP FUNCTION usage_account_months_apply()`.execute(db);
  await sql`DROP FUNCTION usage_cum_plus(numeric[], numeric[])`.execute(db);
  await sql`DROP FUNCTION usage_cum_apply(numeric[], date, int[], numeric[])`.execute(db);
  await sql`DROP TABLE usage_account_months`.execute(db);
}
