// Create or edit a cluster. Secrets (API key, kubeconfig, OpenCost token) are write-only: the API only says
// whether one is set, and an empty field on edit keeps the stored one. The capacity is kept as the
// text typed and checked with the API's own rule, so what is saved is what was typed.
import {
  clusterApiUrl,
  clusterCaCertificate,
  clusterCapacityText,
  clusterName,
  clusterOpenCostUrl,
  clusterStatus,
} from '@hops/api/schemas';
import {
  Button,
  Checkbox,
  Group,
  PasswordInput,
  Select,
  Stack,
  Textarea,
  TextInput,
} from '@mantine/core';
import { Controller, useForm } from 'react-hook-form';
import type { z } from 'zod';
import { ActionError } from './states.tsx';

/** The API's own rule for a field, as a react-hook-form validator: true, or its sentence. */
function byRule(schema: z.ZodType) {
  return (value: string) => {
    const result = schema.safeParse(value);
    return result.success || (result.error.issues[0]?.message ?? 'This value is not valid');
  };
}

export interface ClusterFormValues {
  name: string;
  apiUrl: string;
  apiKey: string;
  kubeconfig: string;
  clearKubeconfig: boolean;
  maxUsers: number;
  status: z.infer<typeof clusterStatus>;
  /** Empty: no OpenCost, no usage collected from this cluster. */
  openCostUrl: string;
  openCostToken: string;
  clearOpenCostToken: boolean;
  /** PEM; empty: the system's roots only. */
  caCertificate: string;
}

/** The form's own fields: the capacity as typed. */
type ClusterFormFields = Omit<ClusterFormValues, 'maxUsers'> & { maxUsers: string };

interface ClusterSecretsState {
  hasApiKey: boolean;
  hasKubeconfig: boolean;
  hasOpenCostToken?: boolean;
}

/** An optional field: empty is fine, anything else must pass the API's rule. */
const optionalByRule = (schema: z.ZodType) => (value: string) =>
  value.trim() === '' || byRule(schema)(value);

export function ClusterForm({
  initial,
  secrets,
  submitLabel,
  error,
  busy,
  onSubmit,
  onCancel,
}: {
  initial?: Partial<ClusterFormValues>;
  /** Set when editing: what is stored already. */
  secrets?: ClusterSecretsState;
  submitLabel: string;
  error: unknown;
  busy: boolean;
  onSubmit: (values: ClusterFormValues) => void;
  onCancel?: () => void;
}) {
  const editing = Boolean(secrets);
  const { maxUsers: initialMaxUsers, ...initialRest } = initial ?? {};
  const form = useForm<ClusterFormFields>({
    defaultValues: {
      name: '',
      apiUrl: 'https://',
      apiKey: '',
      kubeconfig: '',
      clearKubeconfig: false,
      status: 'active',
      openCostUrl: '',
      openCostToken: '',
      clearOpenCostToken: false,
      caCertificate: '',
      ...initialRest,
      maxUsers: String(initialMaxUsers ?? 100),
    },
  });
  const submit = form.handleSubmit((fields) => {
    const capacity = clusterCapacityText.safeParse(fields.maxUsers);
    // The validator below has already refused anything else.
    if (capacity.success) onSubmit({ ...fields, maxUsers: capacity.data });
  });
  const errors = form.formState.errors;
  const clearKubeconfig = form.watch('clearKubeconfig');
  const clearOpenCostToken = form.watch('clearOpenCostToken');
  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      <Stack gap="sm">
        <TextInput
          label="Name"
          placeholder="us-east-1-prod"
          error={errors.name?.message}
          {...form.register('name', {
            required: 'Give the cluster a name',
            validate: byRule(clusterName),
          })}
        />
        <TextInput
          label="API URL"
          placeholder="https://hopsworks.example.com"
          error={errors.apiUrl?.message}
          {...form.register('apiUrl', {
            required: 'Give the https:// URL of the Hopsworks API',
            validate: byRule(clusterApiUrl),
          })}
        />
        <Group grow align="flex-start">
          <TextInput
            label="Capacity (users)"
            inputMode="numeric"
            autoComplete="off"
            error={errors.maxUsers?.message}
            {...form.register('maxUsers', { validate: byRule(clusterCapacityText) })}
          />
          <Controller
            control={form.control}
            name="status"
            render={({ field }) => (
              <Select
                label="Status"
                data={clusterStatus.options}
                allowDeselect={false}
                value={field.value}
                onChange={(value) => value && field.onChange(value)}
              />
            )}
          />
        </Group>
        <PasswordInput
          label="API key"
          autoComplete="new-password"
          placeholder={editing && secrets?.hasApiKey ? 'Set — leave empty to keep it' : ''}
          description="Stored encrypted; never shown again."
          error={errors.apiKey?.message}
          {...form.register('apiKey', {
            validate: (value) => editing || value.length > 0 || 'Give the API key',
          })}
        />
        <Textarea
          label="Kubeconfig (optional)"
          autosize
          minRows={2}
          maxRows={8}
          disabled={clearKubeconfig}
          placeholder={
            editing && secrets?.hasKubeconfig ? 'Set — leave empty to keep it' : 'Not set'
          }
          description="Stored encrypted; never shown again."
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          {...form.register('kubeconfig')}
        />
        {editing && secrets?.hasKubeconfig && (
          <Checkbox label="Remove the stored kubeconfig" {...form.register('clearKubeconfig')} />
        )}
        <TextInput
          label="OpenCost URL (optional)"
          placeholder="https://k8s.example.com/api/v1/namespaces/opencost/services/opencost:9003/proxy"
          description="Where this cluster's OpenCost answers; with it, usage is collected every hour."
          error={errors.openCostUrl?.message}
          {...form.register('openCostUrl', { validate: optionalByRule(clusterOpenCostUrl) })}
        />
        <PasswordInput
          label="OpenCost token (optional)"
          autoComplete="new-password"
          disabled={clearOpenCostToken}
          placeholder={
            editing && secrets?.hasOpenCostToken ? 'Set — leave empty to keep it' : 'Not set'
          }
          description="Bearer token for OpenCost. Stored encrypted; never shown again."
          {...form.register('openCostToken')}
        />
        {editing && secrets?.hasOpenCostToken && (
          <Checkbox
            label="Remove the stored OpenCost token"
            {...form.register('clearOpenCostToken')}
          />
        )}
        <Textarea
          label="CA certificate (optional)"
          autosize
          minRows={2}
          maxRows={8}
          placeholder="-----BEGIN CERTIFICATE-----"
          description="PEM. Trusted besides the usual roots for this cluster's Hopsworks and OpenCost, so a self-signed cluster works with TLS checked. Empty: the usual roots only."
          error={errors.caCertificate?.message}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          {...form.register('caCertificate', { validate: optionalByRule(clusterCaCertificate) })}
        />
        <ActionError error={error} />
        <Group justify="flex-end">
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
          )}
          <Button type="submit" loading={busy}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
