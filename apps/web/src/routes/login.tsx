// /login: the identity provider's sign-in (OIDC), or — when the server runs with AUTH_MODE=dev —
// a picker of the seeded users plus a form to sign in as someone new.
import { zodResolver } from '@hookform/resolvers/zod';
import { email as emailSchema } from '@hops/api/schemas';
import {
  Alert,
  Badge,
  Button,
  Divider,
  Group,
  ScrollArea,
  Stack,
  Text,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useSearchParams } from 'react-router';
import { z } from 'zod';
import { PublicFrame } from '../components/public-frame.tsx';
import { ActionError, Loading } from '../components/states.tsx';
import { safeReturnTo } from '../lib/nav.ts';
import {
  devLogin,
  fetchDevUsers,
  oidcLoginUrl,
  type DevLogin,
  type DevUser,
} from '../lib/session.ts';
import { useTRPC } from '../lib/trpc.ts';

const newUserForm = z.object({
  email: emailSchema,
  name: z.string().trim().max(200),
});

function roleLabel(user: DevUser): string {
  return user.isAdmin ? 'admin' : user.role;
}

function DevPicker({
  users,
  invite,
  returnTo,
  inviteEmail,
}: {
  users: DevUser[];
  invite: string | null;
  /** Only when the address asked for one: otherwise the server picks (an invite's page, or /). */
  returnTo: string | null;
  inviteEmail: string | undefined;
}) {
  const [filter, setFilter] = useState('');
  const login = useMutation({
    mutationFn: (body: DevLogin) => devLogin(body),
    // A full page load, so nothing cached from before the sign-in survives it.
    onSuccess: ({ redirectTo }) => window.location.assign(safeReturnTo(redirectTo)),
  });
  const withInvite = (body: DevLogin): DevLogin => ({
    ...body,
    ...(returnTo ? { returnTo } : {}),
    ...(invite ? { inviteSecret: invite } : {}),
  });
  const form = useForm<z.input<typeof newUserForm>, unknown, z.output<typeof newUserForm>>({
    resolver: zodResolver(newUserForm),
    defaultValues: { email: inviteEmail ?? '', name: '' },
  });
  // The invite's e-mail arrives after the picker shows; offer it unless something was typed.
  useEffect(() => {
    if (inviteEmail && !form.getValues('email')) form.setValue('email', inviteEmail);
  }, [inviteEmail, form]);
  const submit = form.handleSubmit((values) =>
    login.mutate(
      withInvite({
        sub: `dev|${values.email.toLowerCase()}`,
        email: values.email,
        ...(values.name ? { name: values.name } : {}),
      }),
    ),
  );
  const needle = filter.trim().toLowerCase();
  const shown = users.filter(
    (user) =>
      !needle ||
      user.email.toLowerCase().includes(needle) ||
      (user.name ?? '').toLowerCase().includes(needle),
  );

  return (
    <Stack gap="sm">
      <Title order={1} size="h3">
        Sign in (development)
      </Title>
      <Text size="sm" c="dimmed">
        This server runs with AUTH_MODE=dev: pick a user, or sign in as a new one.
      </Text>
      <ActionError error={login.error} />
      <TextInput
        placeholder="Filter by name or e-mail"
        aria-label="Filter users"
        value={filter}
        onChange={(event) => setFilter(event.currentTarget.value)}
      />
      <ScrollArea.Autosize mah={320} type="auto">
        <Stack gap={4}>
          {shown.map((user) => (
            <UnstyledButton
              key={user.id}
              onClick={() =>
                login.mutate(
                  withInvite({
                    sub: user.id,
                    email: user.email,
                    ...(user.name ? { name: user.name } : {}),
                  }),
                )
              }
              disabled={login.isPending}
              data-testid={`dev-user-${user.email}`}
              p="xs"
              style={{
                borderRadius: 'var(--mantine-radius-md)',
                border: '1px solid var(--mantine-color-gray-3)',
              }}
            >
              <Group justify="space-between" wrap="nowrap" gap="xs">
                <Stack gap={0} style={{ minWidth: 0 }}>
                  <Text size="sm" fw={500} truncate>
                    {user.name ?? user.email}
                  </Text>
                  <Text size="xs" c="dimmed" truncate>
                    {user.email}
                  </Text>
                </Stack>
                <Badge size="sm" variant="light" color={user.isAdmin ? 'grape' : 'gray'}>
                  {roleLabel(user)}
                </Badge>
              </Group>
            </UnstyledButton>
          ))}
          {shown.length === 0 && (
            <Text size="sm" c="dimmed" ta="center" py="sm">
              No user matches “{filter}”.
            </Text>
          )}
        </Stack>
      </ScrollArea.Autosize>
      <Divider label="or a new user" labelPosition="center" />
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack gap="xs">
          <TextInput
            label="E-mail"
            type="email"
            error={form.formState.errors.email?.message}
            {...form.register('email')}
          />
          <TextInput label="Name (optional)" {...form.register('name')} />
          <Button type="submit" loading={login.isPending}>
            Sign in as new user
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}

export default function LoginPage() {
  const [params] = useSearchParams();
  const trpc = useTRPC();
  const asked = params.get('returnTo');
  const returnTo = asked ? safeReturnTo(asked) : null;
  const invite = params.get('invite');
  const problem = params.get('error');
  const devUsers = useQuery({ queryKey: ['auth', 'dev-users'], queryFn: fetchDevUsers });
  const preview = useQuery({
    ...trpc.invites.preview.queryOptions({ token: invite ?? '' }),
    enabled: Boolean(invite),
  });

  return (
    <PublicFrame width={480}>
      <Stack gap="md">
        {problem && (
          <Alert color="red" title="Sign-in did not work">
            {problem}
          </Alert>
        )}
        {invite && preview.data && (
          <Alert color="teal" data-testid="login-invite">
            Sign in as <b>{preview.data.email}</b> to accept the invite from{' '}
            {preview.data.ownerName ?? preview.data.ownerEmail}.
          </Alert>
        )}
        {devUsers.isPending ? (
          <Loading />
        ) : devUsers.data ? (
          <DevPicker
            users={devUsers.data}
            invite={invite}
            returnTo={returnTo}
            inviteEmail={preview.data?.email}
          />
        ) : (
          <Stack gap="sm">
            <Title order={1} size="h3">
              Sign in to hops
            </Title>
            <Text size="sm" c="dimmed">
              You will continue at your organisation&apos;s sign-in page and come back here.
            </Text>
            <Button
              component="a"
              href={oidcLoginUrl({ returnTo: returnTo ?? '/', invite })}
              size="md"
            >
              Sign in
            </Button>
          </Stack>
        )}
      </Stack>
    </PublicFrame>
  );
}
