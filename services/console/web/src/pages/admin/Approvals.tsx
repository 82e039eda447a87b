import { Badge, Button, Group, Modal, Select, Text, Textarea } from "@mantine/core";
import { ListPage, useListPage } from "../../components/ListPage";
import { ModalActions } from "../../components/ModalActions";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorMessage, fieldErrors } from "../../api/errors";
import { dateTime } from "../../lib/format";

type Approval = Schemas["Approval"];

const KIND_LABELS: Record<Approval["kind"], string> = {
  templates: "Template",
  "sender-ids": "Sender ID",
  "rcs-bots": "RCS bot",
};
const KINDS = (Object.keys(KIND_LABELS) as Approval["kind"][]).map((value) => ({ value, label: KIND_LABELS[value] }));
const MAX_REASON_CHARS = 500;
const MAX_SEARCH_CHARS = 100;

/** The queue of templates, sender IDs and RCS bots waiting for an administrator, oldest first. */
export function Approvals() {
  // filtered, searched and paged by the server; deciding the last items of the last page steps back a page
  const list = useListPage({
    filters: { kind: null as string | null },
    load: async ({ search, filters, page, pageSize }) =>
      unwrap(
        await api.GET("/api/admin/approvals", {
          params: { query: { kind: (filters.kind as Approval["kind"]) ?? undefined, search, page, pageSize } },
        }),
      ),
  });
  const [busy, setBusy] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<Approval | null>(null);

  async function approve(item: Approval) {
    setBusy(`${item.kind}-${item.id}`);
    try {
      unwrap(
        await api.POST("/api/admin/approvals/{kind}/{item_id}", {
          params: { path: { kind: item.kind, item_id: item.id } },
          body: { decision: "APPROVE", reason: null },
        }),
      );
      notifications.show({ color: "green", message: `${KIND_LABELS[item.kind]} ${item.name}: approved` });
      list.reload();
    } catch (err) {
      notifications.show({ color: "red", message: `${item.name}: ${errorMessage(err)}` });
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      <ListPage
        list={list}
        filtersFirst
        filters={<Select label="Kind" placeholder="All kinds" clearable data={KINDS} value={list.filters.kind} onChange={(v) => list.setFilter("kind", v)} w={160} />}
        search={{ label: "Search approvals", placeholder: "Name or account", maxLength: MAX_SEARCH_CHARS, w: 280 }}
        rowKey={(a) => `${a.kind}-${a.id}`}
        empty={(filtered) => (filtered ? "Nothing waiting for approval matches these filters." : "Nothing waits for approval.")}
        count={(total) => `${total} waiting`}
        columns={[
          { header: "Kind", cell: (a) => <Badge variant="light">{KIND_LABELS[a.kind]}</Badge> },
          { header: "Account", cell: (a) => a.accountName },
          { header: "Name", cell: (a) => a.name },
          { header: "Channel", cell: (a) => a.channel ?? "—" },
          {
            header: "Detail",
            td: { maw: 300 },
            cell: (a) => (
              <Text size="sm" lineClamp={2}>
                {a.detail ?? ""}
              </Text>
            ),
          },
          { header: "Requested", cell: (a) => dateTime(a.createdAt) },
          {
            header: "Decision",
            cell: (a) => (
              <Group gap="xs" wrap="nowrap">
                <Button size="xs" color="green" aria-label={`Approve ${a.name}`} loading={busy === `${a.kind}-${a.id}`} onClick={() => approve(a)}>
                  Approve
                </Button>
                <Button size="xs" color="red" variant="light" aria-label={`Reject ${a.name}`} onClick={() => setRejecting(a)}>
                  Reject
                </Button>
              </Group>
            ),
          },
        ]}
      />
      <RejectModal
        item={rejecting}
        onClose={() => setRejecting(null)}
        onRejected={() => {
          setRejecting(null);
          list.reload();
        }}
      />
    </>
  );
}

/** A rejection always carries a reason: the requester sees it next to the REJECTED status. */
function RejectModal({ item, onClose, onRejected }: { item: Approval | null; onClose: () => void; onRejected: () => void }) {
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [shownFor, setShownFor] = useState<Approval | null>(null);
  if (item !== shownFor) {
    // a new item to reject: start with an empty form
    setShownFor(item);
    setReason("");
    setErrors({});
  }

  async function reject(e: React.FormEvent) {
    e.preventDefault();
    if (!item) return;
    const why = reason.trim();
    if (!why) {
      setErrors({ reason: "a rejection needs a reason the user will see" });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      unwrap(
        await api.POST("/api/admin/approvals/{kind}/{item_id}", {
          params: { path: { kind: item.kind, item_id: item.id } },
          body: { decision: "REJECT", reason: why },
        }),
      );
      notifications.show({ color: "orange", message: `${KIND_LABELS[item.kind]} ${item.name}: rejected` });
      onRejected();
    } catch (err) {
      setErrors(fieldErrors(err, ["reason"]));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={item !== null} onClose={onClose} title={`Reject ${item ? `${KIND_LABELS[item.kind].toLowerCase()} ${item.name}` : ""}`}>
      <form onSubmit={reject}>
        <Textarea
          label="Reason (the user sees it)"
          autosize
          minRows={2}
          maxLength={MAX_REASON_CHARS}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          error={errors.reason}
          withAsterisk
          aria-required
          data-autofocus
        />
        <ModalActions error={errors._form} busy={busy} label="Confirm rejection" color="red" onCancel={onClose} />
      </form>
    </Modal>
  );
}
