import { Badge, Button, Group, Modal, Table, Tabs, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { Loaded } from "../components/States";
import { dateTime } from "../lib/format";
import { useLoad } from "../lib/useLoad";

export function AdminPage() {
  return (
    <>
      <Title order={2} mb="md">
        Admin
      </Title>
      <Tabs defaultValue="approvals">
        <Tabs.List>
          <Tabs.Tab value="approvals">Approvals</Tabs.Tab>
          <Tabs.Tab value="users">Users</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="approvals" pt="md">
          <Approvals />
        </Tabs.Panel>
        <Tabs.Panel value="users" pt="md">
          <Users />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

function Approvals() {
  const state = useLoad(async () => unwrap(await api.GET("/api/admin/approvals")), []);
  const [rejecting, setRejecting] = useState<Schemas["Approval"] | null>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function decide(item: Schemas["Approval"], decision: "APPROVE" | "REJECT", why?: string) {
    setError(null);
    try {
      unwrap(
        await api.POST("/api/admin/approvals/{kind}/{item_id}", {
          params: { path: { kind: item.kind, item_id: item.id } },
          body: { decision, reason: why ?? null },
        }),
      );
      notifications.show({ color: decision === "APPROVE" ? "green" : "orange", message: `${item.name}: ${decision === "APPROVE" ? "approved" : "rejected"}` });
      setRejecting(null);
      setReason("");
      state.reload();
    } catch (err) {
      if (decision === "REJECT") setError(errorMessage(err));
      else notifications.show({ color: "red", message: errorMessage(err) });
    }
  }

  return (
    <>
      <Loaded state={state} isEmpty={(d) => d.length === 0} empty="Nothing waits for approval.">
        {(items) => (
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Account</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Channel</Table.Th>
                <Table.Th>Detail</Table.Th>
                <Table.Th>Requested</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((a) => (
                <Table.Tr key={`${a.kind}-${a.id}`}>
                  <Table.Td>
                    <Badge variant="light">{a.kind}</Badge>
                  </Table.Td>
                  <Table.Td>{a.accountName}</Table.Td>
                  <Table.Td>{a.name}</Table.Td>
                  <Table.Td>{a.channel ?? "—"}</Table.Td>
                  <Table.Td maw={300}>
                    <Text size="sm" lineClamp={2}>
                      {a.detail ?? ""}
                    </Text>
                  </Table.Td>
                  <Table.Td>{dateTime(a.createdAt)}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button size="xs" color="green" onClick={() => decide(a, "APPROVE")}>
                        Approve
                      </Button>
                      <Button size="xs" color="red" variant="light" onClick={() => setRejecting(a)}>
                        Reject
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Loaded>
      <Modal opened={rejecting !== null} onClose={() => setRejecting(null)} title={`Reject ${rejecting?.name ?? ""}`}>
        <TextInput label="Reason (the user sees it)" value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={error} />
        <Group justify="flex-end" mt="md">
          <Button color="red" onClick={() => rejecting && decide(rejecting, "REJECT", reason)}>
            Reject
          </Button>
        </Group>
      </Modal>
    </>
  );
}

function Users() {
  const state = useLoad(async () => unwrap(await api.GET("/api/admin/users")), []);
  async function toggle(u: Schemas["UserRow"]) {
    try {
      if (u.active) unwrap(await api.POST("/api/admin/users/{user_id}/deactivate", { params: { path: { user_id: u.id } } }));
      else unwrap(await api.POST("/api/admin/users/{user_id}/activate", { params: { path: { user_id: u.id } } }));
      state.reload();
    } catch (err) {
      notifications.show({ color: "red", message: errorMessage(err) });
    }
  }
  return (
    <Loaded state={state} isEmpty={(d) => d.length === 0} empty="No users.">
      {(items) => (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Username</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Account</Table.Th>
              <Table.Th>Active</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>{u.username}</Table.Td>
                <Table.Td>{u.role}</Table.Td>
                <Table.Td>{u.accountName}</Table.Td>
                <Table.Td>{u.active ? "yes" : "no"}</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="default" onClick={() => toggle(u)}>
                    {u.active ? "Deactivate" : "Activate"}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Loaded>
  );
}
