// Check first, confirm second: before an account is assigned or moved, the API's preview
// (clusters.previewAssign) says whose account moves from where to where and what to watch out for
// (a cluster in maintenance), or why it cannot. Only a preview that can go ahead gets a Confirm;
// the assignment then checks again, so a change in between is still refused with its sentence.
import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { notifyDone } from '../lib/notify.ts';
import { useTRPC, type RouterInputs, type RouterOutputs } from '../lib/trpc.ts';
import { ActionButton } from './action-button.tsx';
import { ActionError } from './states.tsx';

export type AssignPreview = RouterOutputs['clusters']['previewAssign'];
export type AssignPlan = Extract<AssignPreview, { ok: true }>;
type PreviewInput = RouterInputs['clusters']['previewAssign'];

/** Asks the API, afresh each time, what an assignment would do. */
export function useAssignPreview() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: PreviewInput) =>
      queryClient.fetchQuery({ ...trpc.clusters.previewAssign.queryOptions(input), staleTime: 0 }),
  });
}

/** "The whole account of a@b.c (the owner and 4 members) moves from A to B." */
export function planSentence(plan: AssignPlan): string {
  const people =
    plan.members === 0
      ? 'the owner alone'
      : `the owner and ${plan.members} ${plan.members === 1 ? 'member' : 'members'}`;
  const where =
    plan.change === 'unchanged'
      ? `is already on ${plan.to.name}`
      : plan.from
        ? `moves from ${plan.from.name} to ${plan.to.name}`
        : `is assigned to ${plan.to.name}`;
  const picked =
    plan.auto && plan.change !== 'unchanged' ? ' (the least-loaded cluster with room)' : '';
  return `The whole account of ${plan.owner.email} (${people}) ${where}${picked}.`;
}

/** The confirmation of a checked plan: what happens, its warnings, then Confirm or Cancel. */
export function AssignConfirmation({
  plan,
  onClose,
  onDone,
}: {
  /** Null: closed. */
  plan: AssignPlan | null;
  onClose: () => void;
  onDone?: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const assign = useMutation(
    trpc.clusters.assign.mutationOptions({
      onSuccess: async (outcome) => {
        if ('cluster' in outcome) {
          notifyDone(
            `The account of ${plan?.owner.email ?? 'this owner'} is on ${outcome.cluster.name}.`,
          );
        }
        onClose();
        onDone?.();
        await queryClient.invalidateQueries();
      },
    }),
  );
  const close = () => {
    assign.reset();
    onClose();
  };
  const after = plan ? plan.to.currentUsers + plan.users : 0;
  return (
    <Modal
      opened={plan !== null}
      onClose={close}
      title={plan?.from ? 'Move this account?' : `Assign to ${plan?.to.name ?? ''}?`}
      centered
    >
      {plan && (
        <Stack>
          <Text size="sm">{planSentence(plan)}</Text>
          <Text size="sm" c="dimmed">
            {plan.to.name} then has {after} of {plan.to.maxUsers} users.
          </Text>
          {plan.warnings.map((warning) => (
            <Alert
              key={warning}
              color="yellow"
              title="Before you confirm"
              data-testid="assign-warning"
            >
              {warning}
            </Alert>
          ))}
          <ActionError error={assign.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={assign.isPending}>
              Cancel
            </Button>
            <Button
              color="blue"
              loading={assign.isPending}
              onClick={() => assign.mutate({ userId: plan.owner.id, clusterId: plan.to.id })}
            >
              {plan.from ? 'Move' : 'Assign'}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/**
 * A button that checks an assignment first: a refusal is shown as its sentence in a small dialog
 * with no Confirm; a plan that can go ahead opens its confirmation.
 */
export function CheckedAssignButton({
  label,
  input,
  disabledReason,
  onDone,
}: {
  label: string;
  /** What to check; null while there is nothing to check yet. */
  input: PreviewInput | null;
  /** Why it cannot be used now, as a sentence (besides there being nothing to check yet). */
  disabledReason?: string | null;
  onDone?: () => void;
}) {
  const preview = useAssignPreview();
  const [plan, setPlan] = useState<AssignPlan | null>(null);
  const [refusal, setRefusal] = useState<{ title: string; text: string } | null>(null);
  const check = async () => {
    if (!input) return;
    // A failed call is shown by the dialog below (preview.error).
    const answer = await preview.mutateAsync(input).catch(() => null);
    if (!answer) return;
    if (!answer.ok) setRefusal({ title: 'This account cannot move there', text: answer.message });
    else if (answer.change === 'unchanged') {
      setRefusal({ title: 'Nothing to move', text: planSentence(answer) });
    } else setPlan(answer);
  };
  return (
    <>
      <ActionButton
        color="blue"
        variant="light"
        size="xs"
        disabledReason={disabledReason || (!input && 'Pick a cluster first.')}
        loading={preview.isPending}
        onClick={() => void check()}
      >
        {label}
      </ActionButton>
      <Modal
        opened={refusal !== null || preview.isError}
        onClose={() => {
          setRefusal(null);
          preview.reset();
        }}
        title={refusal?.title ?? 'This could not be checked'}
        centered
      >
        <Stack>
          {refusal && (
            <Text size="sm" role="alert">
              {refusal.text}
            </Text>
          )}
          <ActionError error={preview.error} />
          <Group justify="flex-end">
            <Button
              variant="default"
              onClick={() => {
                setRefusal(null);
                preview.reset();
              }}
            >
              Close
            </Button>
          </Group>
        </Stack>
      </Modal>
      <AssignConfirmation plan={plan} onClose={() => setPlan(null)} onDone={onDone} />
    </>
  );
}
