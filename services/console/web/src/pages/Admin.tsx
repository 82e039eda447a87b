import { Tabs, Title } from "@mantine/core";
import { Approvals } from "./admin/Approvals";
import { UnmatchedEventsPanel } from "./admin/UnmatchedEvents";
import { Users } from "./admin/Users";

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
        </Tabs.List>
        <Tabs.Panel value="approvals" pt="md">
          <Approvals />
        </Tabs.Panel>
        <Tabs.Panel value="users" pt="md">
          <Users />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
