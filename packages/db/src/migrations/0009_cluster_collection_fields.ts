// A cluster's OpenCost and trust (SPEC §9): where its OpenCost answers (https), the bearer token
// for it (sealed with the SecretBox, write-only like the API key), and the PEM certificate trusted
// besides the system's roots for this cluster's Hopsworks and OpenCost calls.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('hopsworks_clusters')
    .addColumn('opencost_url', 'text')
    .addColumn('opencost_token', 'text')
    .addColumn('ca_certificate', 'text')
    .execute();
  await sql`
    ALTER TABLE hopsworks_clusters
      ADD CONSTRAINT hopsworks_clusters_opencost_url_check
        CHECK (opencost_url IS NULL OR opencost_url ~* '^https://'),
      ADD CONSTRAINT hopsworks_clusters_ca_certificate_check
        CHECK (ca_certificate IS NULL OR ca_certificate LIKE '-----BEGIN CERTIFICATE-----%')`.execute(
    db,
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('hopsworks_clusters')
    .dropColumn('ca_certificate')
    .dropColumn('opencost_token')
    .dropColumn('opencost_url')
    .execute();
}
