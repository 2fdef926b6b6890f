// The audit log: one row per state change, written in the transaction of the change (SPEC §2.2).
// A change made through a service token names the token (`details.serviceToken`) as well as the
// person it acted for (SPEC §12).
import type { Transaction } from './db.ts';
import type { AuditActor } from './actor.ts';

export async function recordAudit(
  trx: Transaction,
  actor: AuditActor,
  action: string,
  target: { type: string; id: string } | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  await trx
    .insertInto('auditLog')
    .values({
      actorUserId: actor.userId,
      via: actor.via,
      action,
      targetType: target?.type ?? null,
      targetId: target?.id ?? null,
      details: JSON.stringify(
        actor.serviceToken ? { ...details, serviceToken: actor.serviceToken } : details,
      ),
    })
    .execute();
}
