// PostGraphile 4 over the same database, read-only (every transaction read-only, no mutations),
// exposing only the schema bench_gql: SQL functions whose bodies are the API's own statements, so
// it answers the same questions with the same SQL. No authentication (the API checks a session).
import { createServer } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL!,
  max: 10,
  options: '-c default_transaction_read_only=on',
});
const handler = postgraphile(pool, 'bench_gql', {
  graphqlRoute: '/graphql',
  graphiql: false,
  disableQueryLog: true,
  disableDefaultMutations: true,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  retryOnInitFail: false,
  extendedErrors: [],
});
const server = createServer(handler);
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('postgraphile listening'));
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
