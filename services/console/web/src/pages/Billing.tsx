import { Badge, Card, Group, Table, Text, Title } from "@mantine/core";
import { api, unwrap, type Schemas } from "../api/client";
import { ListPage, useListPage } from "../components/ListPage";
import { Loaded } from "../components/States";
import { dateTime, money } from "../lib/format";
import { useLoad } from "../lib/useLoad";

// /api/billing passes billing's own shapes through (not described in the OpenAPI): these are they.
interface Entry {
  id: number;
  // REFUND: a WhatsApp, RCS or voice charge given back (the attempt was never delivered)
  kind: "CHARGE" | "REFUND" | "CREDIT" | "DEBIT";
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
        <>
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
          <PriceList />
          <Title order={4} mb="xs">
            Transactions
          </Title>
        </>
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

const CHANNEL_ORDER = ["SMS", "WHATSAPP", "RCS", "VOICE"];

/** Sorted as the guide lists them: by channel, then as billing's list has them. */
export function byChannel(items: Schemas["PriceOut"][]): Schemas["PriceOut"][] {
  return [...items].sort((a, b) => CHANNEL_ORDER.indexOf(a.channel) - CHANNEL_ORDER.indexOf(b.channel));
}

/** The account's price list: per channel, category (UIC, MIC, SIC, Auth, Auth INT) and message type. */
function PriceList() {
  const state = useLoad(async () => unwrap(await api.GET("/api/billing/prices")), []);
  return (
    <Loaded state={state}>
      {(prices) => (
        <Card withBorder mb="md" maw={900}>
          <Group justify="space-between" mb="xs">
            <Title order={4}>Price list</Title>
            <Text size="xs" c="dimmed">
              per unit, in {prices.currency}
            </Text>
          </Group>
          <Table striped aria-label="Price list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Channel</Table.Th>
                <Table.Th>Category</Table.Th>
                <Table.Th>Message type</Table.Th>
                <Table.Th>Unit</Table.Th>
                <Table.Th>Price</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {byChannel(prices.items).map((p) => (
                <Table.Tr key={p.priceCode}>
                  <Table.Td>{p.channel}</Table.Td>
                  <Table.Td>{p.category ?? "—"}</Table.Td>
                  <Table.Td title={p.description}>{p.messageType}</Table.Td>
                  <Table.Td>{p.unit}</Table.Td>
                  <Table.Td>{money(p.amountMinor, p.currency)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
    </Loaded>
  );
}
