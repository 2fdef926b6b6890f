// A button that asks before it acts. Destructive admin and team actions go through it; the
// API's refusal, if any, is shown inside the dialog as its sentence.
import { Group, Modal, Stack, Text, Textarea, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState, type ReactNode } from 'react';
import { ActionButton } from './action-button.tsx';
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
  disabledReason,
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
  /** Why it cannot be used now, as a sentence the button shows (null or false: it can). */
  disabledReason?: string | null | false;
  /** @deprecated Says nothing to the person; give `disabledReason` instead. */
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
      <ActionButton
        color={color}
        variant="light"
        size="xs"
        onClick={() => {
          setError(null);
          open();
        }}
        disabledReason={disabledReason || (disabled && 'This cannot be done now.')}
        {...buttonProps}
      >
        {label}
      </ActionButton>
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
            <ActionButton
              variant="default"
              onClick={close}
              disabledReason={busy && 'Wait until this is done.'}
            >
              Cancel
            </ActionButton>
            <ActionButton
              color={color}
              onClick={() => void confirm()}
              loading={busy}
              disabledReason={reasonMissing && 'Give a reason of at least 3 characters first.'}
            >
              {confirmLabel ?? label}
            </ActionButton>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
