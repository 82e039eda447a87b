import { Alert, Button, Group } from "@mantine/core";

/** The foot of a modal: the form's own error (if any), then Cancel and the action. Without
 * `onConfirm` the action submits its form; with it, it is a plain button (a confirmation). */
export function ModalActions({
  error,
  busy,
  label,
  onCancel,
  onConfirm,
  color,
}: {
  error?: string | null;
  busy: boolean;
  label: string;
  onCancel: () => void;
  onConfirm?: () => void;
  color?: string;
}) {
  return (
    <>
      {error && (
        <Alert color="red" mt="sm">
          {error}
        </Alert>
      )}
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
        <Button type={onConfirm ? "button" : "submit"} color={color} loading={busy} onClick={onConfirm}>
          {label}
        </Button>
      </Group>
    </>
  );
}
