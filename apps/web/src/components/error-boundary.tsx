// Catches what a page throws while rendering (or a chunk that failed to load after a new
// release), so the person sees a sentence and a way out instead of a blank page.
import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('The page failed to render', error, info.componentStack);
  }

  override componentDidUpdate(previous: { resetKey?: string }): void {
    // Navigating elsewhere gives the new page a fresh start.
    if (this.state.error && previous.resetKey !== this.props.resetKey)
      this.setState({ error: null });
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    const stale = /dynamically imported module|Importing a module script failed/i.test(
      error.message,
    );
    return (
      <Alert color="red" title="This page could not be shown" role="alert" m="md">
        <Stack gap="xs">
          <Text size="sm">
            {stale
              ? 'A new version of hops is available. Reload the page to get it.'
              : error.message || 'Something went wrong while showing this page.'}
          </Text>
          <Group>
            <Button size="xs" color="red" variant="light" onClick={() => window.location.reload()}>
              Reload
            </Button>
          </Group>
        </Stack>
      </Alert>
    );
  }
}
