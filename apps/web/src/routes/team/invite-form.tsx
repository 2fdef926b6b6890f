// Inviting someone by e-mail with a project role (owners): makes a link to send them.
import { zodResolver } from '@hookform/resolvers/zod';
import { email as emailSchema, projectRole } from '@hops/api/schemas';
import { Button, Card, Group, Select, Stack, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';
import { ActionError } from '../../components/states.tsx';
import { notifyDone } from '../../lib/notify.ts';
import { useTRPC } from '../../lib/trpc.ts';
import type { OnInviteLink } from './use-invite-links.ts';

const inviteForm = z.object({ email: emailSchema, projectRole });
type InviteFormInput = z.input<typeof inviteForm>;
type InviteFormOutput = z.output<typeof inviteForm>;

export function InviteForm({ onLink }: { onLink: OnInviteLink }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(
    trpc.invites.create.mutationOptions({
      onSuccess: async ({ invite, inviteUrl }) => {
        onLink(invite, inviteUrl);
        notifyDone(`Invite created for ${invite.email}.`);
        await queryClient.invalidateQueries({ queryKey: trpc.invites.list.pathKey() });
      },
    }),
  );
  const form = useForm<InviteFormInput, unknown, InviteFormOutput>({
    resolver: zodResolver(inviteForm),
    defaultValues: { email: '', projectRole: 'Data scientist' },
  });
  const submit = form.handleSubmit(async (values) => {
    await create.mutateAsync(values).then(
      () => form.reset({ email: '', projectRole: values.projectRole }),
      () => undefined,
    );
  });
  return (
    <Card withBorder>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack gap="sm">
          <Title order={2} size="h4">
            Invite someone
          </Title>
          <Group align="flex-start" gap="sm" wrap="wrap">
            <TextInput
              label="E-mail"
              placeholder="name@company.com"
              type="email"
              autoComplete="off"
              style={{ flex: '1 1 240px' }}
              error={form.formState.errors.email?.message}
              {...form.register('email')}
            />
            <Controller
              control={form.control}
              name="projectRole"
              render={({ field }) => (
                <Select
                  label="Project role"
                  data={projectRole.options}
                  allowDeselect={false}
                  value={field.value}
                  onChange={(value) => value && field.onChange(value)}
                  style={{ flex: '0 1 200px' }}
                />
              )}
            />
          </Group>
          <ActionError error={create.error} />
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create invite link
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
