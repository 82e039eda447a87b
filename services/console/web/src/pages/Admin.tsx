import { Tabs, Title } from "@mantine/core";
import { api, unwrap } from "../api/client";
import { useLoad } from "../lib/useLoad";
import { AdminFraudHolds } from "./anomaly/FraudHolds";
import { Approvals } from "./admin/Approvals";
import { UnmatchedEventsPanel } from "./admin/UnmatchedEvents";
import { Users } from "./admin/Users";
import { AuditLog } from "./AuditLog";

function FraudHoldsTab() {
  const accounts = useLoad(async () => unwrap(await api.GET("/api/admin/accounts")), []);
  const names = new Map((accounts.data ?? []).map((a) => [a.id, a.name]));
  return <AdminFraudHolds accountName={(id) => names.get(id) ?? `account ${id}`} />;
}

function AdminAuditLog() {
  const accounts = useLoad(async () => unwrap(await api.GET("/api/admin/accounts")), []);
  return <AuditLog scope="admin" accounts={(accounts.data ?? []).map((a) => ({ id: a.id, name: a.name }))} />;
}

export function AdminPage() {
  return (
    <>
      <Title order={2} mb="md">
        User Management
      </Title>
      <UnmatchedEventsPanel />
      <Tabs defaultValue="approvals">
        <Tabs.List>
          <Tabs.Tab value="approvals">Approvals</Tabs.Tab>
          <Tabs.Tab value="users">Users</Tabs.Tab>
          <Tabs.Tab value="fraud-holds">Fraud holds</Tabs.Tab>
          <Tabs.Tab value="audit">Audit log</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="approvals" pt="md">
          <Approvals />
        </Tabs.Panel>
        <Tabs.Panel value="users" pt="md">
          <Users />
        </Tabs.Panel>
        <Tabs.Panel value="fraud-holds" pt="md">
          <FraudHoldsTab />
        </Tabs.Panel>
        <Tabs.Panel value="audit" pt="md">
          <AdminAuditLog />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
