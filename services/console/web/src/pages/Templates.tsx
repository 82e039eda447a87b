import { Button, Drawer, Select, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { UpdatedAt, usePolling } from "../components/LiveRefresh";
import { ListPage, useListPage } from "../components/ListPage";
import { dateTime } from "../lib/format";
import { ReviewSteps } from "./templates/ReviewSteps";
import type { Template } from "./templates/shared";
import { CreateTemplate, EditTemplate } from "./templates/TemplateForm";

export { PhoneBubble } from "./templates/WhatsAppForm";

type Channel = "SMS" | "WHATSAPP" | "RCS" | "VOICE";
type Status = "PENDING" | "APPROVED" | "REJECTED" | "FAILED";

export function TemplatesPage() {
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Template | null>(null);
  const list = useListPage({
    filters: { channel: null as string | null, status: null as string | null },
    load: async ({ search, filters, page, pageSize }) =>
      unwrap(
        await api.GET("/api/templates", {
          params: {
            query: {
              search,
              channel: (filters.channel as Channel) ?? undefined,
              status: (filters.status as Status) ?? undefined,
              page,
              pageSize,
            },
          },
        }),
      ),
  });

  const updatedAt = usePolling(list.refresh, list.data);

  return (
    <>
      <ListPage
        list={list}
        title="Templates"
        actions={
          <>
            <UpdatedAt at={updatedAt} onRefresh={list.refresh} />
            <Button onClick={() => setCreating(true)}>Create template</Button>
          </>
        }
        search={{ label: "Search", placeholder: "Search by name or content", w: 280 }}
        filters={
          <>
            <Select label="Channel" placeholder="All channels" clearable data={["SMS", "WHATSAPP", "RCS", "VOICE"]} value={list.filters.channel} onChange={(v) => list.setFilter("channel", v)} w={150} />
            <Select label="Status" placeholder="All statuses" clearable data={["PENDING", "APPROVED", "REJECTED", "FAILED"]} value={list.filters.status} onChange={(v) => list.setFilter("status", v)} w={150} />
          </>
        }
        table={{ highlightOnHover: true }}
        rowKey={(t) => t.id}
        empty={(filtered) => (filtered ? "No template matches these filters." : "No templates yet: create one.")}
        count={(total) => `${total} template(s)`}
        columns={[
          { header: "Name", cell: (t) => t.name },
          { header: "Channel", cell: (t) => t.channel },
          {
            header: "Content",
            td: { maw: 320 },
            cell: (t) => (
              <Text size="sm" lineClamp={2}>
                {t.contentPreview}
              </Text>
            ),
          },
          { header: "Identity", cell: (t) => t.identity ?? "—" },
          { header: "Category", cell: (t) => t.category ?? "—" },
          { header: "Type", cell: (t) => t.templateType },
          { header: "Status", th: { miw: 190 }, cell: (t) => <ReviewSteps t={t} /> },
          { header: "Language", cell: (t) => t.language },
          { header: "Created", cell: (t) => dateTime(t.createdAt) },
          {
            header: "Actions",
            cell: (t) =>
              (t.status === "REJECTED" || t.status === "FAILED") && (
                <Button size="xs" variant="light" onClick={() => setEditing(t)} aria-label={`Edit and re-submit ${t.name}`}>
                  Edit and re-submit
                </Button>
              ),
          },
        ]}
      />
      <Drawer opened={creating} onClose={() => setCreating(false)} title="Create template" position="right" size="64rem">
        {creating && (
          <CreateTemplate
            onSaved={(t) => {
              setCreating(false);
              notifications.show({ color: "green", message: `Template ${t.name} created: ${t.status}` });
              list.reload();
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
              list.reload();
            }}
          />
        )}
      </Drawer>
    </>
  );
}
