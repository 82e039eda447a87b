import { Alert, Badge, Button, Group, Paper, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { fieldErrors } from "../api/errors";
import { Loaded } from "../components/States";
import { dateTime, STATUS_COLORS } from "../lib/format";
import { useLoad } from "../lib/useLoad";

export function SenderIdsPage() {
  const state = useLoad(async () => unwrap(await api.GET("/api/sender-ids")), []);
  const [senderId, setSenderId] = useState("");
  const [peId, setPeId] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function request(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      unwrap(await api.POST("/api/sender-ids", { body: { senderId: senderId.trim(), peId: peId.trim() } }));
      notifications.show({ color: "green", message: `Sender ID ${senderId.trim()} requested` });
      setSenderId("");
      setPeId("");
      state.reload();
    } catch (err) {
      setErrors(fieldErrors(err, ["senderId", "peId"]));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Title order={2} mb="md">
        Sender IDs
      </Title>
      <Paper withBorder p="md" mb="md" maw={720}>
        <form onSubmit={request}>
          <Group align="flex-start">
            <TextInput label="Sender ID" description="Up to 11 letters or digits" maxLength={11} value={senderId} onChange={(e) => setSenderId(e.currentTarget.value)} error={errors.senderId} required />
            <TextInput label="PE ID" description="Principal Entity ID on the DLT portal" value={peId} onChange={(e) => setPeId(e.currentTarget.value)} error={errors.peId} required />
            <Button type="submit" mt={46} loading={busy}>
              Request
            </Button>
          </Group>
          {errors._form && (
            <Alert color="red" mt="sm">
              {errors._form}
            </Alert>
          )}
        </form>
      </Paper>
      <Loaded state={state} isEmpty={(d) => d.length === 0} empty="No sender IDs yet: request one above.">
        {(items) => (
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Sender ID</Table.Th>
                <Table.Th>PE ID</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Requested</Table.Th>
                <Table.Th>Reviewed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>{s.senderId}</Table.Td>
                  <Table.Td>{s.peId}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLORS[s.status]}>{s.status}</Badge>
                    {s.statusReason && (
                      <Text size="xs" c="red">
                        {s.statusReason}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{dateTime(s.createdAt)}</Table.Td>
                  <Table.Td>{dateTime(s.reviewedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Loaded>
    </>
  );
}
