import { Alert, Title } from "@mantine/core";

export function QuickMessagePage() {
  return (
    <>
      <Title order={2} mb="md">
        Quick Message
      </Title>
      <Alert color="gray" title="Not available yet">
        Sending from the console is not built yet: the console API has no send endpoint. Use the REST API
        (POST /api/v1/messages/submit on the gateway) with your API key from Settings.
      </Alert>
    </>
  );
}
