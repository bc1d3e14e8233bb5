// Who is signed in, and with which role: GET /whoami.
import { api } from "./api/client";
import type { WhoAmI } from "./api/contract";

export function whoami(): Promise<WhoAmI> {
  return api<WhoAmI>("GET", "/whoami");
}
