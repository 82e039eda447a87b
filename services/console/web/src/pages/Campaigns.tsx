// The guide's Bulk Campaign: create a campaign from a CSV file, follow the list's Total / Processed /
// Failed and progress live (polled every 2 s while a campaign moves), pause, resume or cancel it, and
// open one for its counts, rejected rows and messages. The parts are in pages/campaigns/.
import { Alert, Anchor, Button, Drawer, Modal, Select, Text } from "@mantine/core";
import { useEffect, useState } from "react";
import { api, unwrap } from "../api/client";
import { errorMessage } from "../api/errors";
import { ListPage, useListPage } from "../components/ListPage";
import { dateTime } from "../lib/format";
import { CampaignDetail } from "./campaigns/CampaignDetail";
import { CampaignForm } from "./campaigns/CampaignForm";
import { CampaignActions, CampaignProgress, StatusBadge, actOn } from "./campaigns/CampaignParts";
import { anyActive, CAMPAIGN_STATUSES, POLL_MS, type CampaignAction, type CampaignStatus } from "./campaigns/campaigns";
import { LABEL, type Channel } from "./QuickMessage";

export function CampaignsPage() {
  const [creating, setCreating] = useState(false);
  const [selected, setSelected] = useState<number | null>(() => {
    const id = new URLSearchParams(window.location.search).get("campaign");
    return id && /^\d+$/.test(id) ? Number(id) : null;
  });
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const list = useListPage({
    filters: { status: null as string | null },
    load: async ({ search, filters, page, pageSize }) =>
      unwrap(
        await api.GET("/api/campaigns", {
          params: { query: { search, status: (filters.status as CampaignStatus) ?? undefined, page, pageSize } },
        }),
      ),
  });
  const moving = anyActive(list.data?.items);
  const { refresh } = list;
  useEffect(() => {
    if (!moving) return;
    const timer = window.setInterval(refresh, POLL_MS);
    return () => window.clearInterval(timer);
  }, [moving, refresh]);

  async function act(campaignId: number, action: CampaignAction) {
    setBusy(true);
    setActionError(null);
    try {
      await actOn(campaignId, action);
      refresh();
    } catch (err) {
      setActionError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <ListPage
        list={list}
        title="Bulk Campaign"
        actions={<Button onClick={() => setCreating(true)}>Create campaign</Button>}
        above={
          actionError && (
            <Alert color="red" title="Not done" mb="sm" withCloseButton onClose={() => setActionError(null)}>
              {actionError}
            </Alert>
          )
        }
        search={{ label: "Search campaigns", placeholder: "Part of the name", maxLength: 100 }}
        filters={
          <Select
            label="Status"
            clearable
            data={CAMPAIGN_STATUSES}
            value={list.filters.status}
            onChange={(v) => list.setFilter("status", v)}
            w={170}
          />
        }
        table={{ highlightOnHover: true }}
        rowKey={(c) => c.id}
        onRowClick={(c) => setSelected(c.id)}
        empty={(filtered) => (filtered ? "No campaign matches." : "No campaigns yet. Create one from a CSV file of numbers.")}
        count={(total) => `${total} campaign(s)`}
        columns={[
          {
            header: "Name",
            cell: (c) => (
              <>
                <Anchor size="sm">{c.name}</Anchor>
                <Text size="xs" c="dimmed">
                  {c.templateName}
                </Text>
              </>
            ),
          },
          { header: "Channel", cell: (c) => LABEL[c.channel as Channel] ?? c.channel },
          { header: "Status", th: { miw: 140 }, cell: (c) => <StatusBadge campaign={c} /> },
          { header: "Total", cell: (c) => <span data-testid="campaign-total">{c.total}</span> },
          { header: "Processed", cell: (c) => <span data-testid="campaign-processed">{c.processed}</span> },
          { header: "Failed", cell: (c) => <span data-testid="campaign-failed">{c.failed}</span> },
          { header: "Progress", cell: (c) => <CampaignProgress campaign={c} /> },
          { header: "Created At", cell: (c) => dateTime(c.createdAt) },
          { header: "", cell: (c) => <CampaignActions campaign={c} busy={busy} onAct={(a) => act(c.id, a)} /> },
        ]}
      />
      <Modal opened={creating} onClose={() => setCreating(false)} title="Create campaign" size="lg">
        {creating && (
          <CampaignForm
            onCreated={(campaign) => {
              setCreating(false);
              list.reload();
              setSelected(campaign.id);
            }}
          />
        )}
      </Modal>
      <Drawer opened={selected !== null} onClose={() => setSelected(null)} title="Campaign" position="right" size={820}>
        {selected !== null && <CampaignDetail campaignId={selected} onChanged={refresh} />}
      </Drawer>
    </>
  );
}
