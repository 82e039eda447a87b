import { ActionIcon, Button, Group, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { errorMessage } from "../api/errors";
import { ListPage, useListPage } from "../components/ListPage";
import { dateTime } from "../lib/format";

export function BlacklistPage() {
  const list = useListPage({
    load: async ({ search, page, pageSize }) => unwrap(await api.GET("/api/blacklist", { params: { query: { search, page, pageSize } } })),
  });
  const [recipient, setRecipient] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function add(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/api/blacklist", { body: { recipient: recipient.trim() } }));
      notifications.show({ color: "green", message: `${recipient.trim()} blacklisted` });
      setRecipient("");
      list.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove(r: string) {
    try {
      unwrap(await api.DELETE("/api/blacklist/{recipient}", { params: { path: { recipient: r } } }));
      notifications.show({ message: `${r} removed from the blacklist` });
      list.reload();
    } catch (err) {
      notifications.show({ color: "red", message: errorMessage(err) });
    }
  }

  return (
    <ListPage
      list={list}
      title="Blacklist Management"
      above={
        <form onSubmit={add}>
          <Group align="flex-end" mb="md">
            <TextInput
              label="Phone number"
              description="International format; messages to it are refused"
              placeholder="+919876543210"
              value={recipient}
              onChange={(e) => setRecipient(e.currentTarget.value)}
              error={error}
              w={260}
              required
            />
            <Button type="submit" loading={busy} mb={error ? 22 : 0}>
              Add to blacklist
            </Button>
          </Group>
        </form>
      }
      search={{ label: "Search numbers", placeholder: "+9198…", w: 260 }}
      maw={600}
      rowKey={(b) => b.recipient}
      empty={(filtered) => (filtered ? "No blacklisted number matches." : "No blacklisted numbers.")}
      count={(total) => `${total} number(s)`}
      columns={[
        { header: "Recipient", cell: (b) => b.recipient },
        { header: "Added", cell: (b) => dateTime(b.createdAt) },
        {
          header: "",
          cell: (b) => (
            <ActionIcon variant="subtle" color="red" aria-label={`Remove ${b.recipient}`} onClick={() => remove(b.recipient)}>
              🗑
            </ActionIcon>
          ),
        },
      ]}
    />
  );
}
