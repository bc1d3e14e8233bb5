// Print every example payload of @octokit/webhooks-examples as one JSON line:
// {"event", "body", "signature"}, the body signed with the secret given as the only argument
// by @octokit/webhooks-methods, as GitHub signs X-Hub-Signature-256.
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";

const examples = createRequire(import.meta.url)("@octokit/webhooks-examples");
const secret = process.argv[2];
for (const { name, examples: payloads } of examples) {
  for (const payload of payloads) {
    const body = JSON.stringify(payload);
    const signature = await sign(secret, body);
    process.stdout.write(JSON.stringify({ event: name, body, signature }) + "\n");
  }
}
