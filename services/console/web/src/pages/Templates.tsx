import { Badge, Button, Drawer, Group, Pagination, Select, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useEffect, useState } from "react";
import { api, unwrap } from "../api/client";
import { Empty, ErrorState, Loading } from "../components/States";
import { describeStatusReason } from "../lib/errors";
import { dateTime, STATUS_COLORS } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import type { Template } from "./templates/shared";
import { CreateTemplate, EditTemplate } from "./templates/TemplateForm";

export { PhoneBubble } from "./templates/WhatsAppForm";

const PAGE_SIZE = 20;
type Channel = "SMS" | "WHATSAPP" | "RCS" | "VOICE";
type Status = "PENDING" | "APPROVED" | "REJECTED" | "FAILED";

export function TemplatesPage() {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 300);
  const [channel, setChannel] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Template | null>(null);
  useEffect(() => setPage(1), [debounced, channel, status]);

  const state = useLoad(
    async () =>
      unwrap(
        await api.GET("/api/templates", {
          params: {
            query: {
              search: debounced || undefined,
              channel: (channel as Channel) ?? undefined,
              status: (status as Status) ?? undefined,
              page,
              pageSize: PAGE_SIZE,
            },
          },
        }),
      ),
    [debounced, channel, status, page],
  );

  return (
    <>
      <Group justify="space-between" mb="md">
        <Title order={2}>Templates</Title>
        <Button onClick={() => setCreating(true)}>Create template</Button>
      </Group>
      <Group mb="sm">
        <TextInput label="Search" placeholder="Search by name or content" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={280} />
        <Select label="Channel" placeholder="All channels" clearable data={["SMS", "WHATSAPP", "RCS", "VOICE"]} value={channel} onChange={setChannel} w={150} />
        <Select label="Status" placeholder="All statuses" clearable data={["PENDING", "APPROVED", "REJECTED", "FAILED"]} value={status} onChange={setStatus} w={150} />
      </Group>
      {state.error ? (
        <ErrorState error={state.error} onRetry={state.reload} />
      ) : !state.data ? (
        <Loading />
      ) : state.data.items.length === 0 ? (
        <Empty>{debounced || channel || status ? "No template matches these filters." : "No templates yet: create one."}</Empty>
      ) : (
        <>
          <Table striped highlightOnHover style={{ opacity: state.loading ? 0.6 : 1 }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Channel</Table.Th>
                <Table.Th>Content</Table.Th>
                <Table.Th>Identity</Table.Th>
                <Table.Th>Category</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {state.data.items.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td>{t.channel}</Table.Td>
                  <Table.Td maw={320}>
                    <Text size="sm" lineClamp={2}>
                      {t.contentPreview}
                    </Text>
                  </Table.Td>
                  <Table.Td>{t.identity ?? "—"}</Table.Td>
                  <Table.Td>{t.category ?? "—"}</Table.Td>
                  <Table.Td>{t.templateType}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLORS[t.status]}>{t.status}</Badge>
                    {t.statusReason && (
                      <Text size="xs" c="red" maw={240} data-testid="status-reason">
                        {describeStatusReason(t.statusReason)}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{dateTime(t.createdAt)}</Table.Td>
                  <Table.Td>
                    {(t.status === "REJECTED" || t.status === "FAILED") && (
                      <Button size="xs" variant="light" onClick={() => setEditing(t)} aria-label={`Edit and re-submit ${t.name}`}>
                        Edit and re-submit
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="space-between" mt="sm">
            <Text size="sm" c="dimmed">
              {state.data.total} template(s)
            </Text>
            <Pagination total={Math.max(1, Math.ceil(state.data.total / PAGE_SIZE))} value={page} onChange={setPage} />
          </Group>
        </>
      )}
      <Drawer opened={creating} onClose={() => setCreating(false)} title="Create template" position="right" size="64rem">
        {creating && (
          <CreateTemplate
            onSaved={(t) => {
              setCreating(false);
              notifications.show({ color: "green", message: `Template ${t.name} created: ${t.status}` });
              state.reload();
            }}
          />
        )}
      </Drawer>
      <Drawer opened={!!editing} onClose={() => setEditing(null)} title={editing ? `Edit and re-submit ${editing.name}` : ""} position="right" size="64rem">
        {editing && (
          <EditTemplate
            template={editing}
            onSaved={(t) => {
              setEditing(null);
              notifications.show({ color: "green", message: `Template ${t.name} re-submitted: ${t.status}` });
              state.reload();
            }}
          />
        )}
      </Drawer>
    </>
  );
}
