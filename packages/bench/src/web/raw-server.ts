// The floor for the read benchmarks: a bare node:http server that runs exactly the statements the
// API runs per request for a question (recorded from the router: the usage queries; the caller's
// user row the API keeps in its caller cache), with the same pool settings and type parsers, and
// answers their rows as JSON. No framework, no session, no tRPC: what is left is PostgreSQL, the
// driver and HTTP. The answer is every statement's rows, in order.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createPool } from '@hops/db';

interface Statement {
  sql: string;
  parameters: unknown[];
}

const routes = JSON.parse(readFileSync(process.env.STATEMENTS!, 'utf8')) as Record<
  string,
  Statement[]
>;
const pool = createPool({ connectionString: process.env.DATABASE_URL!, max: 10 });

const server = createServer((req, res) => {
  const statements = routes[(req.url ?? '/').slice(1).split('?')[0]!];
  if (!statements) {
    res.writeHead(404).end();
    return;
  }
  void (async () => {
    const answers: unknown[] = [];
    for (const s of statements) answers.push((await pool.query(s.sql, s.parameters)).rows);
    const body = JSON.stringify(answers);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  })().catch((error: unknown) => {
    res.writeHead(500).end(String(error));
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('raw floor listening'));
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
