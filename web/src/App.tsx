// Routes: the sign-in page until there is a session, then the pages inside the layout.
import { useSyncExternalStore } from "react";
import { BrowserRouter, Route, Routes } from "react-router-dom";
import { FindingRedirect } from "./components/FindingRedirect";
import { Layout } from "./components/Layout";
import { LiveProvider } from "./live";
import { Ask } from "./pages/Ask";
import { ClientPage } from "./pages/ClientPage";
import { Clients } from "./pages/Clients";
import { Contracts } from "./pages/Contracts";
import { Findings } from "./pages/Findings";
import { Licences } from "./pages/Licences";
import { NotFound } from "./pages/NotFound";
import { NotificationLink } from "./pages/NotificationLink";
import { NotificationSettings } from "./pages/NotificationSettings";
import { Operations } from "./pages/Operations";
import { Overview } from "./pages/Overview";
import { Resources } from "./pages/Resources";
import { Sales } from "./pages/Sales";
import { SignIn } from "./pages/SignIn";
import { Spend } from "./pages/Spend";
import { session } from "./session";

export function App() {
  const token = useSyncExternalStore(session.subscribe, session.accessToken);
  if (!token) return <SignIn />;
  return (
    <LiveProvider key={session.claims()?.sub}>
      <BrowserRouter>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<Overview />} />
            <Route path="findings" element={<Findings />} />
            <Route path="clients" element={<Clients />} />
            <Route path="clients/:clientId" element={<ClientPage />} />
            <Route path="sales" element={<Sales />} />
            <Route path="resources" element={<Resources />} />
            <Route path="licences" element={<Licences />} />
            <Route path="spend" element={<Spend />} />
            <Route path="contracts" element={<Contracts />} />
            <Route path="operations" element={<Operations />} />
            <Route path="findings/:findingId" element={<FindingRedirect />} />
            <Route path="ask" element={<Ask />} />
            <Route path="settings/notifications" element={<NotificationSettings />} />
            <Route path="notifications/confirm" element={<NotificationLink action="confirm" />} />
            <Route path="notifications/mute" element={<NotificationLink action="mute" />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </LiveProvider>
  );
}
