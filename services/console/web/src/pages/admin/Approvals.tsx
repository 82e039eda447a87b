import { Badge, Button, Grid, Group, Modal, Select, Text, Textarea } from "@mantine/core";
import { ListPage, useListPage } from "../../components/ListPage";
import { ModalActions } from "../../components/ModalActions";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorMessage, fieldErrors } from "../../api/errors";
import { dateTime } from "../../lib/format";
import { rcsFormFromTemplate, waFormFromTemplate } from "../../lib/rcs";
import { ComplianceResult } from "../templates/CompliancePanel";
import { RISK_COLORS } from "../templates/compliance";
import { RcsPreview } from "../templates/RcsPreview";
import { PhoneBubble } from "../templates/WhatsAppForm";

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
  const [viewing, setViewing] = useState<Approval | null>(null);

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
              <Group gap="xs" wrap="nowrap">
                <Text size="sm" lineClamp={2}>
                  {a.detail ?? ""}
                </Text>
                {a.template && (
                  <Button size="compact-xs" variant="light" aria-label={`View ${a.name}`} onClick={() => setViewing(a)} style={{ flexShrink: 0 }}>
                    View
                  </Button>
                )}
              </Group>
            ),
          },
          {
            header: "Compliance",
            cell: (a) => (a.template ? <ComplianceBadge item={a} /> : "—"),
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
      <TemplateModal item={viewing} onClose={() => setViewing(null)} />
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

/** A template's compliance check at submission, in the queue's row. */
function ComplianceBadge({ item }: { item: Approval }) {
  const check = item.template?.compliance;
  if (!check)
    return (
      <Text size="xs" c="dimmed">
        not checked
      </Text>
    );
  return (
    <Badge color={RISK_COLORS[check.riskLevel]} variant="filled" data-testid="approval-risk">
      {check.riskLevel} {check.riskScore}
    </Badge>
  );
}

/** What is being approved: the template rendered as its form's preview (header media, rich card,
 * carousel) and its compliance check with the warnings' spans highlighted. */
function TemplateModal({ item, onClose }: { item: Approval | null; onClose: () => void }) {
  const t = item?.template;
  return (
    <Modal opened={!!t} onClose={onClose} title={item ? `Template ${item.name} (${item.accountName})` : ""} size="xl">
      {item && t && (
        <Grid>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Text size="sm" c="dimmed" mb="xs">
              {item.channel} · {t.templateType}
              {t.category ? ` · ${t.category}` : ""}
            </Text>
            <RenderedTemplate channel={item.channel ?? ""} template={t} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Text fw={600} mb="xs">
              Compliance check at submission
            </Text>
            {t.compliance ? (
              <ComplianceResult verdict={t.compliance} text={t.compliance.text} />
            ) : (
              <Text size="sm" c="dimmed">
                Not checked: the AI service could not be reached when the template was submitted.
              </Text>
            )}
          </Grid.Col>
        </Grid>
      )}
    </Modal>
  );
}

function RenderedTemplate({ channel, template }: { channel: string; template: NonNullable<Approval["template"]> }) {
  const content = (template.content ?? {}) as Record<string, unknown>;
  if (channel === "RCS") return <RcsPreview form={rcsFormFromTemplate({ templateType: template.templateType, body: template.body, content })} />;
  const wa = waFormFromTemplate(content);
  const media = wa.headerType === "IMAGE" || wa.headerType === "VIDEO" || wa.headerType === "DOCUMENT" ? { type: wa.headerType, ...wa.headerMedia } : undefined;
  return (
    <PhoneBubble
      header={wa.headerType === "TEXT" ? wa.headerText : undefined}
      media={media}
      body={template.body}
      footer={wa.footer}
      buttons={wa.buttons.map((b) => b.text)}
    />
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
