import { AppShell, Burger, Button, Group, NavLink, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { AuthProvider, useAuth } from "./auth";
import { Loading } from "./components/States";
import { LoginPage } from "./pages/Login";
import { DashboardPage } from "./pages/Dashboard";
import { TemplatesPage } from "./pages/Templates";
import { ReportsPage } from "./pages/Reports";
import { SettingsPage } from "./pages/Settings";
import { BlacklistPage } from "./pages/Blacklist";
import { SenderIdsPage } from "./pages/SenderIds";
import { BillingPage } from "./pages/Billing";
import { ChannelsPage } from "./pages/Channels";
import { QuickMessagePage } from "./pages/QuickMessage";
import { AdminPage } from "./pages/Admin";
import { CampaignsPage } from "./pages/Campaigns";
import { TrafficAnomalyPage } from "./pages/TrafficAnomaly";
import { SpamDetectionPage } from "./pages/SpamDetection";
import { CampaignIntelligencePage } from "./pages/CampaignIntelligence";
import { ReportSummaryPage } from "./pages/ReportSummary";

// The sidebar uses the user guide's names, in its order (each page's heading is its name; the admin's
// approvals queue and users are the guide's User Management panel).
const NAV = [
  { path: "/dashboard", label: "Dashboard" },
  { path: "/quick-message", label: "Quick Message" },
  { path: "/campaigns", label: "Bulk Campaign" },
  { path: "/campaign-intelligence", label: "Campaign Intelligence" },
  { path: "/templates", label: "Templates" },
  { path: "/channels", label: "Channels" },
  { path: "/sender-ids", label: "Sender IDs" },
  { path: "/reports", label: "Reports" },
  { path: "/report-summary", label: "Report Summary" },
  { path: "/traffic-anomaly", label: "Traffic Anomaly" },
  { path: "/spam-detection", label: "Spam Detection" },
  { path: "/billing", label: "Billing" },
  { path: "/blacklist", label: "Blacklist Management" },
  { path: "/settings", label: "Settings" },
];

export function App() {
  return (
    <AuthProvider>
      <Gate />
    </AuthProvider>
  );
}

function Gate() {
  const { user, checking } = useAuth();
  if (checking) return <Loading label="Checking your session…" />;
  if (!user) {
    return (
      <Routes>
        <Route path="*" element={<LoginPage />} />
      </Routes>
    );
  }
  return <Shell />;
}

function Shell() {
  const { user, logout } = useAuth();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const navigate = useNavigate();
  const items = user?.role === "admin" ? [...NAV, { path: "/admin", label: "User Management" }] : NAV;
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" />
            <Title order={4}>CPaaS Console</Title>
          </Group>
          <Group>
            <Text size="sm" c="dimmed">
              {user?.username} ({user?.role})
            </Text>
            <Button size="xs" variant="default" onClick={() => logout().then(() => navigate("/"))}>
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {items.map((item) => (
          <NavLink
            key={item.path}
            label={item.label}
            active={location.pathname.startsWith(item.path)}
            onClick={() => {
              navigate(item.path);
              close();
            }}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Routes>
          <Route path="/dashboard" element={<DashboardPage />} />
          <Route path="/quick-message" element={<QuickMessagePage />} />
          <Route path="/campaigns" element={<CampaignsPage />} />
          <Route path="/templates" element={<TemplatesPage />} />
          <Route path="/channels" element={<ChannelsPage />} />
          <Route path="/sender-ids" element={<SenderIdsPage />} />
          <Route path="/reports" element={<ReportsPage />} />
          <Route path="/report-summary" element={<ReportSummaryPage />} />
          <Route path="/campaign-intelligence" element={<CampaignIntelligencePage />} />
          <Route path="/traffic-anomaly" element={<TrafficAnomalyPage />} />
          <Route path="/spam-detection" element={<SpamDetectionPage />} />
          <Route path="/billing" element={<BillingPage />} />
          <Route path="/blacklist" element={<BlacklistPage />} />
          <Route path="/settings" element={<SettingsPage />} />
          {user?.role === "admin" && <Route path="/admin" element={<AdminPage />} />}
          <Route path="*" element={<Navigate to="/dashboard" replace />} />
        </Routes>
      </AppShell.Main>
    </AppShell>
  );
}
