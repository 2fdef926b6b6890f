// /settings: who I am as the identity provider says (name and e-mail are theirs, so they are shown,
// not edited here), signing out everywhere, and deleting my account with a typed confirmation. Whether the account may be
// deleted (members, an unpaid invoice) is the API's rule: its refusal is shown as its sentence.
import { Button, Card, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ActionButton } from '../components/action-button.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { ActionError } from '../components/states.tsx';
import { useMe } from '../lib/me-context.ts';
import { signOut } from '../lib/session.ts';
import { useTRPC } from '../lib/trpc.ts';

export default function SettingsPage() {
  const me = useMe();
  return (
    <>
      <PageHeader title="Settings" description="Your sign-in and your account." />
      <Stack gap="lg">
        <Card withBorder>
          <Stack gap="xs">
            <Title order={2} size="h4">
              Your identity
            </Title>
            <Table variant="vertical" layout="fixed" withTableBorder={false}>
              <Table.Tbody>
                <Table.Tr>
                  <Table.Th w={110}>Name</Table.Th>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>
                    {me.name ?? <Text c="dimmed">Not given</Text>}
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th w={110}>E-mail</Table.Th>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{me.email}</Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
            <Text size="sm" c="dimmed">
              Your name and e-mail come from the service you sign in with; change them there, and
              hops shows the new ones at your next sign-in.
            </Text>
          </Stack>
        </Card>
        <SignOutEverywhere />
        <DeleteAccount email={me.email} />
      </Stack>
    </>
  );
}

function SignOutEverywhere() {
  const trpc = useTRPC();
  const signOutEverywhere = useMutation(
    trpc.account.signOutEverywhere.mutationOptions({
      // This session has ended with the others: on to the sign-in page.
      onSuccess: () => void signOut('/login'),
    }),
  );
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={2} size="h4">
          Sign out everywhere
        </Title>
        <Text size="sm">
          Ends every session of yours at once — on every computer, phone and browser where you are
          signed in, this one included. Use it when you signed in somewhere you no longer trust or
          lost a device. You then sign in again here.
        </Text>
        <ActionError error={signOutEverywhere.error} />
        <div>
          <ActionButton
            color="orange"
            variant="light"
            loading={signOutEverywhere.isPending}
            disabledReason={signOutEverywhere.isSuccess && 'Signed out; taking you to sign-in.'}
            onClick={() => signOutEverywhere.mutate()}
          >
            Sign out everywhere
          </ActionButton>
        </div>
      </Stack>
    </Card>
  );
}

function DeleteAccount({ email }: { email: string }) {
  const trpc = useTRPC();
  const [typed, setTyped] = useState('');
  const remove = useMutation(
    trpc.account.delete.mutationOptions({
      onSuccess: () => void signOut('/login'),
    }),
  );
  return (
    <Card withBorder style={{ borderColor: 'var(--mantine-color-red-outline)' }}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          remove.mutate({ confirm: typed });
        }}
      >
        <Stack gap="sm">
          <Title order={2} size="h4">
            Delete my account
          </Title>
          <Text size="sm">
            Deleting signs you out for good: you can no longer sign in with this account, your
            invites are withdrawn and you lose access to your cluster. Your usage and billing
            history is kept for the books. The e-mail address is free for a new account afterwards.
            An account with members must remove them or hand the account over first.
          </Text>
          <TextInput
            label={`Type your e-mail address (${email}) to confirm`}
            value={typed}
            onChange={(event) => setTyped(event.currentTarget.value)}
            autoComplete="off"
            spellCheck={false}
          />
          <ActionError error={remove.error} />
          <div>
            <Button type="submit" color="red" loading={remove.isPending}>
              Delete my account
            </Button>
          </div>
        </Stack>
      </form>
    </Card>
  );
}
