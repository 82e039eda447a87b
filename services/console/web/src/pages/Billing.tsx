import { Badge, Card, Text } from "@mantine/core";
import { api, unwrap } from "../api/client";
import { ListPage, useListPage } from "../components/ListPage";
import { dateTime, money } from "../lib/format";

// /api/billing passes billing's own shapes through (not described in the OpenAPI): these are they.
interface Entry {
  id: number;
  kind: "CHARGE" | "CREDIT" | "DEBIT";
  amountMinor: number;
  balanceAfterMinor: number;
  currency: string;
  createdAt: string;
  reason?: string | null;
  actor?: string | null;
  messageId?: string | null;
  channel?: string | null;
  category?: string | null;
  units?: number | null;
}
interface BillingView {
  balance: { balanceMinor: number; currency: string; updatedAt: string | null };
  transactions: { items: Entry[]; page: number; pageSize: number; total: number };
}

export function BillingPage() {
  const list = useListPage({
    load: async ({ page, pageSize }) => {
      const view = unwrap(await api.GET("/api/billing", { params: { query: { page, pageSize } } })) as unknown as BillingView;
      return { ...view.transactions, balance: view.balance };
    },
  });
  return (
    <ListPage
      list={list}
      title="Billing"
      aboveTable={({ balance }) => (
        <Card withBorder maw={320} mb="md">
          <Text size="sm" c="dimmed">
            Balance
          </Text>
          <Text size="xl" fw={700}>
            {money(balance.balanceMinor, balance.currency)}
          </Text>
          <Text size="xs" c="dimmed">
            Contact your administrator to add credits.
          </Text>
        </Card>
      )}
      rowKey={(t) => t.id}
      empty={() => "No transactions yet."}
      count={(total) => `${total} transaction(s)`}
      columns={[
        { header: "Date", cell: (t) => dateTime(t.createdAt) },
        { header: "Type", cell: (t) => <Badge color={t.amountMinor >= 0 ? "green" : "gray"}>{t.kind}</Badge> },
        { header: "Amount", cell: (t) => <Text span size="sm" c={t.amountMinor >= 0 ? "green" : undefined}>{money(t.amountMinor, t.currency)}</Text> },
        { header: "Balance after", cell: (t) => money(t.balanceAfterMinor, t.currency) },
        { header: "Channel", cell: (t) => t.channel ?? "—" },
        { header: "Category", cell: (t) => t.category ?? "—" },
        { header: "Detail", cell: (t) => t.reason ?? t.messageId ?? "—" },
      ]}
    />
  );
}
