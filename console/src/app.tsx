import { lazy, Suspense } from "preact/compat";
import type { WhoAmI } from "./api/contract";
import { signOut } from "./auth";
import { Problem, useLoad } from "./components/common";
import { AuditPage } from "./pages/audit";
import { DeadLettersPage } from "./pages/dead-letters";
import { MessagePage } from "./pages/message";
import { MessagesPage } from "./pages/messages";
import { can } from "./roles";
import { follow, useLocation } from "./router";
import { whoami } from "./session";

// The configuration page, and with it the script editor, loads only when opened.
const ConfigurationPage = lazy(() => import("./pages/configuration").then((m) => m.ConfigurationPage));

function Page({ url, me }: { url: URL; me: WhoAmI }) {
  const path = url.pathname.replace(/\/+$/, "");
  const message = /^\/console\/messages\/([^/]+)$/.exec(path);
  if (message) return <MessagePage id={decodeURIComponent(message[1])} url={url} role={me.role} />;
  if (path === "/console/dead-letters") return <DeadLettersPage role={me.role} />;
  if (path === "/console/audit" && can(me.role, "audit")) return <AuditPage url={url} />;
  if (path === "/console/configuration" && can(me.role, "configure"))
    return (
      <Suspense fallback={<p>Loading the configuration…</p>}>
        <ConfigurationPage url={url} />
      </Suspense>
    );
  return <MessagesPage url={url} role={me.role} />;
}

export function App() {
  const url = useLocation();
  const me = useLoad(whoami, "whoami");
  const current = (path: string) => (url.pathname.startsWith(path) ? "page" : undefined);
  return (
    <div class="shell" onClick={follow}>
      <header class="top">
        <a class="brand" href="/console/messages">
          Incoming Webhooks
        </a>
        <nav aria-label="Pages">
          <a href="/console/messages" aria-current={current("/console/messages")}>
            Messages
          </a>
          {me.data && can(me.data.role, "configure") && (
            <a href="/console/configuration" aria-current={current("/console/configuration")}>
              Configuration
            </a>
          )}
          {me.data && can(me.data.role, "audit") && (
            <a href="/console/audit" aria-current={current("/console/audit")}>
              Audit
            </a>
          )}
        </nav>
        {me.data && (
          <p class="who">
            <span>{me.data.email ?? me.data.principal}</span> <span class="role">{me.data.role}</span>{" "}
            <button
              type="button"
              class="link"
              onClick={() => {
                signOut();
                location.assign("/console");
              }}
            >
              Sign out
            </button>
          </p>
        )}
      </header>
      <main class="page">
        <Problem error={me.error} />
        {me.data && <Page url={url} me={me.data} />}
      </main>
    </div>
  );
}
