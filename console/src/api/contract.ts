// Shapes the roles contract (docs/guide/console.md) adds to the admin API. They are written by
// hand until those routes are in docs/openapi.json; then the generated types replace them.
import type { components } from "./schema";

export type Schemas = components["schemas"];
export type Role = "viewer" | "operator" | "editor";

export interface WhoAmI {
  principal: string;
  kind: "token" | "iam" | "jwt";
  role: Role;
  email: string | null;
}

export type Verdict = "matched" | "no_match" | "error" | "not_evaluated";

export interface OverviewSubmission {
  submission: number;
  mode: string;
  submitted_at: string;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  reason: string | null;
  submitted_by?: string | null;
}

export interface Flow {
  submission: number;
  providers: { provider: string; verdict: Verdict; duration_ms: number | null; script_version: number | null }[];
  functions: {
    function: string;
    function_id: string;
    uri_matched: boolean;
    status: string | null;
    duration_ms: number | null;
    script_version: number | null;
  }[];
}

export interface Overview extends Omit<Schemas["MessageSummaryOut"], never> {
  submissions: OverviewSubmission[];
  flow: Flow[];
}

export interface AuditPage {
  items: Record<string, unknown>[];
  next_cursor?: string | null;
}
