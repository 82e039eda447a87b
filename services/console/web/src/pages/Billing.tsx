import { Badge, Card, Group, Pagination, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { Empty, Loaded } from "../components/States";
import { dateTime, money } from "../lib/format";
import { useLoad } from "../lib/useLoad";

const PAGE_SIZE = 20;

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
  const [page, setPage] = useState(1);
  const state = useLoad(
    async () => unwrap(await api.GET("/api/billing", { params: { query: { page, pageSize: PAGE_SIZE } } })) as unknown as BillingView,
    [page],
  );
  return (
    <>
      <Title order={2} mb="md">
        Billing
      </Title>
      <Loaded state={state}>
        {(b) => (
          <>
            <Card withBorder maw={320} mb="md">
              <Text size="sm" c="dimmed">
                Balance
              </Text>
              <Text size="xl" fw={700}>
                {money(b.balance.balanceMinor, b.balance.currency)}
              </Text>
              <Text size="xs" c="dimmed">
                Contact your administrator to add credits.
              </Text>
            </Card>
            {b.transactions.items.length === 0 ? (
              <Empty>No transactions yet.</Empty>
            ) : (
              <>
                <Table striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Date</Table.Th>
                      <Table.Th>Type</Table.Th>
                      <Table.Th>Amount</Table.Th>
                      <Table.Th>Balance after</Table.Th>
                      <Table.Th>Channel</Table.Th>
                      <Table.Th>Category</Table.Th>
                      <Table.Th>Detail</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {b.transactions.items.map((t) => (
                      <Table.Tr key={t.id}>
                        <Table.Td>{dateTime(t.createdAt)}</Table.Td>
                        <Table.Td>
                          <Badge color={t.amountMinor >= 0 ? "green" : "gray"}>{t.kind}</Badge>
                        </Table.Td>
                        <Table.Td c={t.amountMinor >= 0 ? "green" : undefined}>{money(t.amountMinor, t.currency)}</Table.Td>
                        <Table.Td>{money(t.balanceAfterMinor, t.currency)}</Table.Td>
                        <Table.Td>{t.channel ?? "—"}</Table.Td>
                        <Table.Td>{t.category ?? "—"}</Table.Td>
                        <Table.Td>{t.reason ?? t.messageId ?? "—"}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                <Group justify="space-between" mt="sm">
                  <Text size="sm" c="dimmed">
                    {b.transactions.total} transaction(s)
                  </Text>
                  <Pagination total={Math.max(1, Math.ceil(b.transactions.total / PAGE_SIZE))} value={page} onChange={setPage} />
                </Group>
              </>
            )}
          </>
        )}
      </Loaded>
    </>
  );
}
