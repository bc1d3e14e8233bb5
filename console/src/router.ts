// The app's routes are paths under /console/; filters live in the query string, so that every
// view is a link. Navigation uses the History API.
import { useEffect, useState } from "preact/hooks";

export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(location.href));
  useEffect(() => {
    const changed = () => setUrl(new URL(location.href));
    addEventListener("popstate", changed);
    return () => removeEventListener("popstate", changed);
  }, []);
  return url;
}

/** Follow a same-app link without a reload, unless the user asked for a new tab or window. */
export function follow(event: MouseEvent): void {
  const anchor = (event.target as Element).closest("a");
  if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(anchor.href);
  if (url.origin !== location.origin || !url.pathname.startsWith("/console/")) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}

export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) search.set(name, value);
  return search.size ? `${path}?${search}` : path;
}
