import { render } from "preact";
import { App } from "./app";
import { CALLBACK, completeSignIn, signIn, token } from "./auth";
import { navigate } from "./router";
import "./styles.css";

async function start(): Promise<void> {
  const root = document.getElementById("app")!;
  try {
    if (location.pathname === CALLBACK) navigate(await completeSignIn(), true);
    if (!token()) return await signIn(location.pathname + location.search);
    render(<App />, root);
  } catch (error) {
    render(
      <main class="page">
        <h1>Incoming Webhooks</h1>
        <p role="alert">{String(error)}</p>
        <a href="/console">Try again</a>
      </main>,
      root,
    );
  }
}

void start();
