import { Alert, Badge, Button, Code, Group, Modal, PasswordInput, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorMessage, fieldErrors } from "../../api/errors";
import { dateTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";

type Linked = Schemas["LinkedWabaNumber"];
const FIELDS = ["phoneNumber", "displayName", "wabaId", "phoneNumberId", "accessToken"] as const;

/** An account's WhatsApp numbers (User Management): listed, Active/Inactive switched, and a new
 * one linked, which registers it with the WhatsApp Cloud API first. */
export function WhatsAppNumbersModal({ accountId, accountName, onClose }: { accountId: number; accountName: string; onClose: () => void }) {
  const path = { params: { path: { account_id: accountId } } };
  const numbers = useLoad(async () => unwrap(await api.GET("/api/admin/accounts/{account_id}/whatsapp-numbers", path)), [accountId]);
  const [switching, setSwitching] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function setStatus(number: Linked, active: boolean) {
    setSwitching(number.id);
    setError(null);
    try {
      unwrap(
        await api.PUT("/api/admin/accounts/{account_id}/whatsapp-numbers/{number_id}/status", {
          params: { path: { account_id: accountId, number_id: number.id } },
          body: { status: active ? "ACTIVE" : "INACTIVE" },
        }),
      );
      numbers.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSwitching(null);
    }
  }

  return (
    <Modal opened onClose={onClose} title={`WhatsApp numbers of ${accountName}`} size="xl">
      <Stack>
        {error && <Alert color="red">{error}</Alert>}
        {numbers.data && numbers.data.length === 0 && <Text size="sm">No WhatsApp number is linked to this account yet.</Text>}
        {numbers.data && numbers.data.length > 0 && (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Number</Table.Th>
                <Table.Th>Display name</Table.Th>
                <Table.Th>WABA ID</Table.Th>
                <Table.Th>Phone-number ID</Table.Th>
                <Table.Th>Access token</Table.Th>
                <Table.Th>Registered</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {numbers.data.map((n) => (
                <Table.Tr key={n.id}>
                  <Table.Td>{n.phoneNumber}</Table.Td>
                  <Table.Td>{n.displayName}</Table.Td>
                  <Table.Td>{n.wabaId}</Table.Td>
                  <Table.Td>{n.phoneNumberId}</Table.Td>
                  <Table.Td>
                    <Code>{n.apiKey}</Code>
                  </Table.Td>
                  <Table.Td>{n.registeredAt ? dateTime(n.registeredAt) : "—"}</Table.Td>
                  <Table.Td>
                    <Switch
                      checked={n.status === "ACTIVE"}
                      disabled={switching === n.id}
                      onChange={(e) => setStatus(n, e.currentTarget.checked)}
                      label={<Badge color={n.status === "ACTIVE" ? "green" : "gray"}>{n.status === "ACTIVE" ? "Active" : "Inactive"}</Badge>}
                      aria-label={`${n.phoneNumber} active`}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <LinkNumberForm accountId={accountId} onLinked={() => numbers.reload()} />
      </Stack>
    </Modal>
  );
}

function LinkNumberForm({ accountId, onLinked }: { accountId: number; onLinked: () => void }) {
  const empty = { phoneNumber: "", displayName: "", wabaId: "", phoneNumberId: "", accessToken: "" };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof empty) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [key]: e.currentTarget.value });

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const linked = unwrap(
        await api.POST("/api/admin/accounts/{account_id}/whatsapp-numbers", {
          params: { path: { account_id: accountId } },
          body: { ...form, displayName: form.displayName || null },
        }),
      );
      notifications.show({ color: "green", message: `${linked.phoneNumber} linked and registered with WhatsApp` });
      setForm(empty);
      onLinked();
    } catch (err) {
      setErrors(fieldErrors(err, FIELDS));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="xs">
        <Text fw={500}>Link a WhatsApp number</Text>
        <Text size="xs" c="dimmed">
          The number is registered with the WhatsApp Cloud API with its access token (stored sealed); WhatsApp refuses sends from
          numbers it does not know.
        </Text>
        <Group grow>
          <TextInput label="Phone number" placeholder="+919000000001" value={form.phoneNumber} onChange={set("phoneNumber")} error={errors.phoneNumber} withAsterisk />
          <TextInput label="Display name" value={form.displayName} onChange={set("displayName")} error={errors.displayName} />
        </Group>
        <Group grow>
          <TextInput label="WABA ID" value={form.wabaId} onChange={set("wabaId")} error={errors.wabaId} withAsterisk />
          <TextInput label="Phone-number ID" value={form.phoneNumberId} onChange={set("phoneNumberId")} error={errors.phoneNumberId} withAsterisk />
        </Group>
        <PasswordInput label="Access token" value={form.accessToken} onChange={set("accessToken")} error={errors.accessToken} autoComplete="off" withAsterisk />
        {errors._form && <Alert color="red">{errors._form}</Alert>}
        <Group justify="flex-end">
          <Button type="submit" loading={busy}>
            Link number
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
