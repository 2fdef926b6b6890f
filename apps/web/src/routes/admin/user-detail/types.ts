// What every section of /admin/users/:id is given: the one admin.users.get answer.
import type { RouterOutputs } from '../../../lib/trpc.ts';

export type UserDetail = RouterOutputs['admin']['users']['get'];
