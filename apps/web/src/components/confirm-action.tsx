// A button that asks before it acts. Destructive admin and team actions go through it; the
// API's refusal, if any, is shown inside the dialog as its sentence.
import { Button, Group, Modal, Stack, Text, Textarea, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState, type ReactNode } from 'react';
import { ActionError } from './states.tsx';

export function ConfirmAction({
  label,
  title,
  children,
  confirmLabel,
  color = 'red',
  reason,
  onConfirm,
  buttonProps,
  disabled,
}: {
  label: string;
  title: string;
  children: ReactNode;
  confirmLabel?: string;
  color?: string;
  /** Ask for a reason (at least 3 characters) and pass it on. */
  reason?: { label: string };
  onConfirm: (reason: string) => Promise<unknown>;
  buttonProps?: ButtonProps;
  disabled?: boolean;
}) {
  const [opened, { open, close }] = useDisclosure(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const reasonMissing = Boolean(reason) && text.trim().length < 3;

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm(text.trim());
      setText('');
      close();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button
        color={color}
        variant="light"
        size="xs"
        onClick={() => {
          setError(null);
          open();
        }}
        disabled={disabled}
        {...buttonProps}
      >
        {label}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered>
        <Stack>
          <Text size="sm" component="div">
            {children}
          </Text>
          {reason && (
            <Textarea
              label={reason.label}
              value={text}
              onChange={(event) => setText(event.currentTarget.value)}
              description="At least 3 characters; it goes into the audit log."
              autosize
              minRows={2}
              data-autofocus
            />
          )}
          <ActionError error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button
              color={color}
              onClick={() => void confirm()}
              loading={busy}
              disabled={reasonMissing}
            >
              {confirmLabel ?? label}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
