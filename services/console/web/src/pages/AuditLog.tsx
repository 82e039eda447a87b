// The audit log: newest first, filtered (actor, action, time range) and paged by the server.
// `scope="admin"`: every account's entries, with an account filter (User Management's tab);
// `scope="account"`: the logged-in user's own account's (Settings). Times are shown in the
// account's zone; the From/To inputs are wall-clock times there too (the server reads them so).
import { Code, Select, Text, TextInput } from "@mantine/core";
import { api, unwrap, type Schemas } from "../api/client";
import { ListPage, useListPage } from "../components/ListPage";
import { describeChanges } from "../lib/audit";
import { dateTime } from "../lib/format";
import { wallClock } from "../lib/timeZones";
import type { AccountOption } from "./admin/accounts";
import { accountLabel } from "./admin/accounts";

type Entry = Schemas["AuditEntryOut"];
type AuditFilters = { account: string | null; actor: string | null; action: string | null; from: string | null; to: string | null };
const NO_FILTERS: AuditFilters = { account: null, actor: null, action: null, from: null, to: null };

export function AuditLog({ scope, accounts = [] }: { scope: "admin" | "account"; accounts?: AccountOption[] }) {
  const list = useListPage({
    filters: NO_FILTERS,
    debounce: ["actor"],
    load: async ({ filters, page, pageSize }) => {
      const query = {
        actor: filters.actor || undefined,
        action: filters.action || undefined,
        from: wallClock(filters.from),
        to: wallClock(filters.to),
        page,
        pageSize,
      };
      if (scope === "admin") {
        const accountId = filters.account ? Number(filters.account) : undefined;
        return unwrap(await api.GET("/api/admin/audit", { params: { query: { ...query, accountId } } }));
      }
      return unwrap(await api.GET("/api/account/audit", { params: { query } }));
    },
  });
  const { filters, setFilter } = list;
  const actions = list.data?.actions ?? [];
  return (
    <ListPage
      list={list}
      filters={
        <>
          {scope === "admin" && (
            <Select
              label="Account"
              placeholder="All accounts"
              clearable
              searchable
              data={accounts.map((a) => ({ value: String(a.id), label: accountLabel(a) }))}
              value={filters.account}
              onChange={(v) => setFilter("account", v)}
              w={220}
            />
          )}
          <TextInput label="Actor" placeholder="Username" value={filters.actor ?? ""} onChange={(e) => setFilter("actor", e.currentTarget.value)} w={160} />
          <Select
            label="Action"
            placeholder="All actions"
            clearable
            searchable
            data={[...new Set([...actions.map((a) => a.split(".")[0]), ...actions])]}
            value={filters.action}
            onChange={(v) => setFilter("action", v)}
            w={260}
          />
          <TextInput label="From" type="datetime-local" value={filters.from ?? ""} onChange={(e) => setFilter("from", e.currentTarget.value)} />
          <TextInput label="To" type="datetime-local" value={filters.to ?? ""} onChange={(e) => setFilter("to", e.currentTarget.value)} />
        </>
      }
      rowKey={(e: Entry) => e.id}
      empty={(filtered) => (filtered ? "No entry matches these filters." : "No audit entries yet.")}
      count={(total) => `${total} entr${total === 1 ? "y" : "ies"}`}
      columns={[
        { header: "Time", th: { miw: 160 }, cell: (e: Entry) => dateTime(e.at) },
        { header: "Actor", cell: (e: Entry) => e.actor },
        ...(scope === "admin"
          ? [
              {
                header: "Account",
                cell: (e: Entry) => (e.accountId ? `${e.accountName ?? ""} #${e.accountId}` : "—"),
              },
            ]
          : []),
        { header: "Action", cell: (e: Entry) => <Code>{e.action}</Code> },
        {
          header: "What changed",
          td: { maw: 420 },
          cell: (e: Entry) => (
            <Text size="sm" style={{ wordBreak: "break-word" }}>
              {describeChanges(e.changes) || "—"}
            </Text>
          ),
        },
        { header: "Client address", cell: (e: Entry) => e.clientAddress ?? "—" },
      ]}
    />
  );
}
