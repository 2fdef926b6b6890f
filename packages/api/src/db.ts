// What services take to reach the database (services/README.md: a read takes an Executor, a write
// the Transaction its procedure opened), and the proof that the schema's unions and the API's are
// one: packages/db types each CHECK-listed text column as its union (kysely-codegen overrides
// derived from the migrations), and the checks below fail to compile if a zod enum in schemas.ts
// says otherwise.
import type { Selectable, Transaction as KyselyTransaction } from 'kysely';
import type {
  AuditLog,
  CreditTransactions,
  Database,
  HopsworksClusters,
  TeamInvites,
  Users,
} from '@hops/db';
import type {
  BillingMode,
  ClusterStatus,
  CreditPool,
  LedgerKind,
  ProjectRole,
  SpendingCapPolicy,
  UserStatus,
  Via,
} from './schemas.ts';

export type { Executor } from '@hops/db';
export type Transaction = KyselyTransaction<Database>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Column<T, K extends keyof Selectable<T>> = Selectable<T>[K];
const unionsMatchTheSchema: [
  Same<UserStatus, Column<Users, 'status'>>,
  Same<BillingMode, Column<Users, 'billingMode'>>,
  Same<ClusterStatus, Column<HopsworksClusters, 'status'>>,
  Same<ProjectRole, Column<TeamInvites, 'projectRole'>>,
  Same<CreditPool, Column<CreditTransactions, 'pool'>>,
  Same<LedgerKind, Column<CreditTransactions, 'kind'>>,
  Same<Via, Column<AuditLog, 'via'>>,
  Same<SpendingCapPolicy, Column<Users, 'spendingCapPolicy'>>,
] = [true, true, true, true, true, true, true, true];
void unionsMatchTheSchema;
