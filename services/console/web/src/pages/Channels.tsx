import { Badge, Code, Table, Tabs, Text, Title } from "@mantine/core";
import { api, unwrap } from "../api/client";
import { Loaded } from "../components/States";
import { STATUS_COLORS } from "../lib/format";
import { useLoad } from "../lib/useLoad";

export function ChannelsPage() {
  const wabas = useLoad(async () => unwrap(await api.GET("/api/channels/whatsapp")), []);
  const bots = useLoad(async () => unwrap(await api.GET("/api/channels/rcs")), []);
  return (
    <>
      <Title order={2} mb="md">
        Channels
      </Title>
      <Tabs defaultValue="whatsapp">
        <Tabs.List>
          <Tabs.Tab value="whatsapp">WhatsApp</Tabs.Tab>
          <Tabs.Tab value="rcs">RCS</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="whatsapp" pt="md">
          <Loaded state={wabas} isEmpty={(d) => d.length === 0} empty="No WABA number is linked to your account.">
            {(items) => (
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>WABA Number</Table.Th>
                    <Table.Th>Display name</Table.Th>
                    <Table.Th>API Key</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((w) => (
                    <Table.Tr key={w.id}>
                      <Table.Td>{w.phoneNumber}</Table.Td>
                      <Table.Td>{w.displayName}</Table.Td>
                      <Table.Td>
                        <Code>{w.apiKey}</Code>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={STATUS_COLORS[w.status]}>{w.status}</Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Loaded>
        </Tabs.Panel>
        <Tabs.Panel value="rcs" pt="md">
          <Loaded state={bots} isEmpty={(d) => d.length === 0} empty="No RCS bot yet.">
            {(items) => (
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Display Name</Table.Th>
                    <Table.Th>Bot ID</Table.Th>
                    <Table.Th>Bot Handle</Table.Th>
                    <Table.Th>API Key</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((b) => (
                    <Table.Tr key={b.id}>
                      <Table.Td>{b.displayName}</Table.Td>
                      <Table.Td>{b.botId}</Table.Td>
                      <Table.Td>{b.handle}</Table.Td>
                      <Table.Td>
                        <Code>{b.apiKey}</Code>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={STATUS_COLORS[b.status]}>{b.status}</Badge>
                        {b.statusReason && (
                          <Text size="xs" c="red">
                            {b.statusReason}
                          </Text>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Loaded>
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
