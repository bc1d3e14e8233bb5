// Names for the admin API's shapes the console uses, all generated from docs/openapi.json
// (schema.d.ts): the roles' routes (whoami, a message's overview, the audit trail) included.
import type { components } from "./schema";

export type Schemas = components["schemas"];
export type Role = "viewer" | "operator" | "editor";
// The API answers /whoami only to a caller with a role, so its role is never null here.
export type WhoAmI = Omit<Schemas["WhoAmIOut"], "role"> & { role: Role };
export type Overview = Schemas["MessageOverviewOut"];
export type OverviewSubmission = Schemas["SubmissionOverview"];
export type Flow = Schemas["FlowOut"];
export type Verdict = Flow["providers"][number]["verdict"];
export type AuditPage = Schemas["AuditPageOut"];
