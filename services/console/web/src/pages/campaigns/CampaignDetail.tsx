// One campaign: its status and reason, counts (delivered / undelivered from the status stream too),
// the progress bar, its levels and times, its rejected rows (line and reason, paged; all of them as
// CSV) and a link to its messages in Reports. Refreshes itself every 2 s while it moves.
import { Alert, Anchor, Code, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { ListPage, useListPage } from "../../components/ListPage";
import { Loaded } from "../../components/States";
import { dateTime } from "../../lib/format";
import { useLoad } from "../../lib/useLoad";
import { LABEL, type Channel } from "../QuickMessage";
import { CampaignActions, CampaignProgress, StatusBadge, actOn } from "./CampaignParts";
import { isActive, megabytes, POLL_MS, type CampaignAction } from "./campaigns";
import type { Campaign } from "./upload";

const REJECTED_PAGE_SIZE = 10;

export function CampaignDetail({ campaignId, onChanged }: { campaignId: number; onChanged: () => void }) {
  const state = useLoad(
    async () => unwrap(await api.GET("/api/campaigns/{campaign_id}", { params: { path: { campaign_id: campaignId } } })),
    [campaignId],
  );
  const moving = state.data ? isActive(state.data.status) : false;
  const { refresh } = state;
  useEffect(() => {
    if (!moving) return;
    const timer = window.setInterval(refresh, POLL_MS);
    return () => window.clearInterval(timer);
  }, [moving, refresh]);
  return <Loaded state={state}>{(c) => <Detail campaign={c} onChanged={() => (refresh(), onChanged())} />}</Loaded>;
}

function Count({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} data-testid={testId}>
        {value.toLocaleString("en-IN")}
      </Text>
    </Stack>
  );
}

function Detail({ campaign: c, onChanged }: { campaign: Campaign; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const rejected = useListPage({
    pageSize: REJECTED_PAGE_SIZE,
    load: async ({ page, pageSize }) =>
      unwrap(await api.GET("/api/campaigns/{campaign_id}/rejected", { params: { path: { campaign_id: c.id }, query: { page, pageSize } } })),
  });
  const refused = c.rejected + c.refused;
  const { refresh } = rejected;
  const seen = useRef(refused);
  useEffect(() => {
    if (seen.current === refused) return;
    seen.current = refused; // the check (or sending) found more
    refresh();
  }, [refused, refresh]);

  async function act(action: CampaignAction) {
    setBusy(true);
    setActionError(null);
    try {
      await actOn(c.id, action);
      onChanged();
    } catch (err) {
      setActionError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={4} data-testid="campaign-name">
            {c.name}
          </Title>
          <Text size="sm" c="dimmed">
            {LABEL[c.channel as Channel] ?? c.channel} · {c.templateName}
            {c.senderId ? ` · ${c.senderId}` : ""}
            {c.fallback.length ? ` · then ${c.fallback.map((f) => LABEL[f.channel as Channel] ?? f.channel).join(", then ")}` : ""}
          </Text>
        </Stack>
        <CampaignActions campaign={c} onAct={act} busy={busy} />
      </Group>
      {actionError && (
        <Alert color="red" title="Not done">
          {actionError}
        </Alert>
      )}
      <Group align="flex-start">
        <StatusBadge campaign={c} />
        <CampaignProgress campaign={c} />
      </Group>
      <SimpleGrid cols={{ base: 3, sm: 5 }} spacing="sm">
        <Count label="Total" value={c.total} testId="count-total" />
        <Count label="Processed" value={c.processed} testId="count-processed" />
        <Count label="Sent" value={c.sent} testId="count-sent" />
        <Count label="Delivered" value={c.delivered} testId="count-delivered" />
        <Count label="Undelivered" value={c.undelivered} testId="count-undelivered" />
        <Count label="Failed" value={c.failed} testId="count-failed" />
        <Count label="Rejected (file check)" value={c.rejected} testId="count-rejected" />
        <Count label="Refused (when sending)" value={c.refused} testId="count-refused" />
      </SimpleGrid>
      <Text size="xs" c="dimmed">
        Created {dateTime(c.createdAt)}
        {c.scheduledAt ? ` · scheduled ${dateTime(c.scheduledAt)}` : ""}
        {c.startedAt ? ` · started ${dateTime(c.startedAt)}` : ""}
        {c.completedAt ? ` · completed ${dateTime(c.completedAt)}` : ""}
        {c.fileName ? ` · ${c.fileName} (${megabytes(c.fileBytes)})` : ""}
        {c.promotional ? " · promotional: sent 09:00-21:00 IST only" : ""}
      </Text>
      <Anchor component={Link} to={`/reports?campaign=${c.id}`}>
        View its messages in Reports
      </Anchor>
      <Group justify="space-between" mt="sm">
        <Title order={5}>Rejected rows</Title>
        <Anchor href={`/api/campaigns/${c.id}/rejected.csv`} download>
          Download rejected rows (CSV)
        </Anchor>
      </Group>
      <ListPage
        list={rejected}
        rowKey={(r) => `${r.line}-${r.stage}`}
        empty={() => (c.status === "CREATED" ? "No rejected row so far; the file is being checked." : "No rejected rows.")}
        count={(total) => `${total} rejected row(s)`}
        columns={[
          { header: "Line", cell: (r) => <span data-testid="rejected-line">{r.line}</span> },
          {
            header: "Reason",
            cell: (r) => (
              <Text size="sm">
                {r.reason}{" "}
                <Text span size="xs" c="dimmed">
                  ({r.code}
                  {r.stage === "DISPATCH" ? ", when sending" : ""})
                </Text>
              </Text>
            ),
          },
          { header: "Row", td: { maw: 260 }, cell: (r) => <Code>{r.row}</Code> },
        ]}
      />
    </Stack>
  );
}
