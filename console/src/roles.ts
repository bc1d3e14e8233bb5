// What each role may do, as the roles contract's route table says: the console offers only
// that (the API refuses the rest anyway).
import type { Role } from "./api/contract";

const RANK: Record<Role, number> = { viewer: 0, operator: 1, editor: 2 };

export type Capability = "payload" | "resubmit" | "deadLetters" | "audit" | "configure" | "dryRun";

const LEAST: Record<Capability, Role> = {
  payload: "operator", // body, headers, query, logs, errors, answers
  resubmit: "operator",
  deadLetters: "operator", // the records; the count is the viewer's too
  audit: "operator",
  dryRun: "operator",
  configure: "editor", // every /providers and /functions route, GET/PUT /config
};

export function can(role: Role, capability: Capability): boolean {
  return RANK[role] >= RANK[LEAST[capability]];
}
