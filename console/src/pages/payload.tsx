// The request's body: pretty JSON or form fields, raw, a download; a large body by its link.
import { useState } from "preact/hooks";
import { request } from "../api/client";
import type { Schemas } from "../api/contract";
import { Problem, Text } from "../components/common";
import { Pairs } from "./message";

function contentType(headers: Record<string, string>): string {
  const found = Object.entries(headers).find(([name]) => name.toLowerCase() === "content-type");
  return (found?.[1] ?? "").toLowerCase();
}

function decoded(message: Schemas["MessageOut"]): string {
  if (message.body_encoding !== "base64") return message.body;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(message.body), (c) => c.charCodeAt(0)));
  } catch {
    return `(${message.body_size} bytes of binary data: download them)`;
  }
}

function Pretty({ text, kind }: { text: string; kind: string }) {
  if (kind.includes("json")) {
    try {
      return <Text>{JSON.stringify(JSON.parse(text), null, 2)}</Text>;
    } catch {
      return <p>Not valid JSON: shown raw below.</p>;
    }
  }
  if (kind.includes("x-www-form-urlencoded")) return <Pairs values={Object.fromEntries(new URLSearchParams(text))} />;
  return null;
}

export function PayloadView({ message }: { message: Schemas["MessageOut"] }) {
  const [failure, setFailure] = useState<unknown>();
  const text = decoded(message);
  // The body through the API with the token, saved from memory: no link carries the token.
  const download = async () => {
    try {
      const answer = await request("GET", `/messages/${encodeURIComponent(message.id)}/body`);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await answer.blob());
      link.download = `${message.id}.body`;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (error) {
      setFailure(error);
    }
  };
  return (
    <>
      <p>
        {message.body_size} bytes · {contentType(message.headers as Record<string, string>) || "no content type"}{" "}
        <button type="button" onClick={download}>
          Download
        </button>
      </p>
      <Problem error={failure} />
      {message.body_omitted ? (
        <p>This body is too large to show here: download it.</p>
      ) : (
        <>
          <h2>Formatted</h2>
          <Pretty text={text} kind={contentType(message.headers as Record<string, string>)} />
          <h2>Raw</h2>
          <Text>{text || "(empty)"}</Text>
        </>
      )}
    </>
  );
}
