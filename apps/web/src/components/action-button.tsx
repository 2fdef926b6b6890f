// A button that says why it cannot be used. Every button that can be disabled is one of these:
// instead of a greyed-out button that ignores a click without a word, a disabled one shows its
// reason on hover, on keyboard focus and on a tap (a phone has no hover), and gives it to screen
// readers as the button's description. It stays focusable for that; a click does nothing.
import { Button, Tooltip, VisuallyHidden, type ButtonProps } from '@mantine/core';
import { useId, type ComponentPropsWithoutRef } from 'react';

export type ActionButtonProps = Omit<ButtonProps, 'disabled'> &
  Omit<ComponentPropsWithoutRef<'button'>, keyof ButtonProps | 'disabled'> & {
    /** Why the button cannot be used now, as a sentence; empty, null or false: it can be. */
    disabledReason?: string | null | false;
  };

export function ActionButton({ disabledReason, onClick, ...props }: ActionButtonProps) {
  const id = useId();
  const reason = disabledReason || null;
  // One element whether usable or not, so it keeps focus when it becomes usable.
  return (
    <>
      <Tooltip
        label={reason}
        disabled={!reason}
        events={{ hover: true, focus: true, touch: true }}
        multiline
        maw={280}
        withArrow
      >
        <Button
          {...props}
          data-disabled={reason ? true : undefined}
          aria-disabled={reason ? 'true' : undefined}
          aria-describedby={reason ? id : undefined}
          onClick={reason ? (event) => event.preventDefault() : onClick}
        />
      </Tooltip>
      {reason && <VisuallyHidden id={id}>{reason}</VisuallyHidden>}
    </>
  );
}
