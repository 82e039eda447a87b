import { Alert, Button, CopyButton, Group, Modal, Stack, TextInput } from "@mantine/core";

export interface Secrets {
  title: string;
  username: string;
  password: string;
  /** a new account's API key */
  apiKey?: string | null;
  /** a new account's webhook signing secret */
  webhookSecret?: string | null;
}

/** Shows a generated password (and a new account's API key) the one time the API returns them. */
export function ShownOnceModal({ secrets, onClose }: { secrets: Secrets | null; onClose: () => void }) {
  return (
    <Modal opened={secrets !== null} onClose={onClose} title={secrets?.title} closeOnClickOutside={false} size="lg">
      {secrets && (
        <Stack>
          <Alert color="yellow" title="Shown once">
            Copy these now and hand them over securely: they are shown only once and cannot be displayed again. A lost password can only be
            reset.
          </Alert>
          <TextInput label="Username" value={secrets.username} readOnly />
          <Secret label="New password" copyText="Copy password" value={secrets.password} />
          {secrets.apiKey && <Secret label="API key of the new account" copyText="Copy API key" value={secrets.apiKey} />}
          {secrets.webhookSecret && (
            <Secret label="Webhook signing secret of the new account" copyText="Copy secret" value={secrets.webhookSecret} />
          )}
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied it</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

function Secret({ label, copyText, value }: { label: string; copyText: string; value: string }) {
  return (
    <Group align="flex-end" wrap="nowrap">
      <TextInput label={label} value={value} readOnly style={{ flex: 1 }} onFocus={(e) => e.currentTarget.select()} />
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button variant="light" onClick={copy}>
            {copied ? "Copied" : copyText}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}
