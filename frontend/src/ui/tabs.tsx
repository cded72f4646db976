/**
 * Tabs as the WAI-ARIA pattern has them: one Tab stop for the list (the selected tab), arrow
 * keys, Home and End to move between tabs, each tab naming the panel it shows.
 */

import type { ComponentChildren } from "preact";

export interface TabSpec<T extends string> {
  id: T;
  label: ComponentChildren;
}

export const tabId = (prefix: string, id: string) => `${prefix}-tab-${id}`;
export const panelId = (prefix: string, id: string) => `${prefix}-panel-${id}`;

export function TabList<T extends string>({
  prefix,
  label,
  tabs,
  selected,
  onSelect,
}: {
  /** what the tabs' and panels' ids start with */
  prefix: string;
  /** the list's accessible name */
  label: string;
  tabs: TabSpec<T>[];
  selected: T;
  onSelect: (id: T) => void;
}) {
  const onKeyDown = (event: KeyboardEvent) => {
    const at = tabs.findIndex((tab) => tab.id === selected);
    const to =
      event.key === "ArrowRight"
        ? (at + 1) % tabs.length
        : event.key === "ArrowLeft"
          ? (at - 1 + tabs.length) % tabs.length
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? tabs.length - 1
              : null;
    if (to === null) return;
    event.preventDefault();
    onSelect(tabs[to].id);
    document.getElementById(tabId(prefix, tabs[to].id))?.focus();
  };
  return (
    <div role="tablist" aria-label={label} class="tab-list" onKeyDown={onKeyDown}>
      {tabs.map((tab) => (
        <button
          key={tab.id}
          type="button"
          role="tab"
          id={tabId(prefix, tab.id)}
          aria-selected={tab.id === selected}
          aria-controls={panelId(prefix, tab.id)}
          tabIndex={tab.id === selected ? 0 : -1}
          onClick={() => onSelect(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

/** A tab's panel; hidden, not unmounted, while another tab is selected. */
export function TabPanel({
  prefix,
  id,
  selected,
  children,
}: {
  prefix: string;
  id: string;
  selected: boolean;
  children: ComponentChildren;
}) {
  return (
    <div
      role="tabpanel"
      id={panelId(prefix, id)}
      aria-labelledby={tabId(prefix, id)}
      hidden={!selected}
      class="tab-panel"
    >
      {children}
    </div>
  );
}
