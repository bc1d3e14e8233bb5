// ARIA tabs: a tablist with roving focus (arrows, Home, End), one tabpanel shown.
import type { ComponentChildren } from "preact";

export interface Tab {
  id: string;
  label: string;
}

export function Tabs(props: { tabs: Tab[]; current: string; choose: (id: string) => void; children: ComponentChildren }) {
  const { tabs, current, choose } = props;
  const move = (event: KeyboardEvent) => {
    const index = tabs.findIndex((tab) => tab.id === current);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length];
    choose(tab.id);
    document.getElementById(`tab-${tab.id}`)?.focus();
  };
  return (
    <>
      <div role="tablist" aria-label="Message" class="tabs" onKeyDown={move}>
        {tabs.map((tab) => (
          <button
            type="button"
            role="tab"
            id={`tab-${tab.id}`}
            aria-selected={tab.id === current}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === current ? 0 : -1}
            onClick={() => choose(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <section role="tabpanel" id={`panel-${current}`} aria-labelledby={`tab-${current}`} tabIndex={0}>
        {props.children}
      </section>
    </>
  );
}
