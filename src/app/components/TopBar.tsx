import { useEffect, useRef, type ReactNode } from 'react';
import type { RegisteredLab } from '../labs/types.ts';
import type { ShellValues } from '../state/url.ts';
import { BackendBadge } from './BackendPanel.tsx';
import { SeedControl } from './SeedControl.tsx';
import { ShareButton } from './ShareButton.tsx';

export function TopBar({
  labs,
  shell,
  onShell,
  backendOpen,
  onToggleBackend,
  backendPanel,
}: {
  labs: readonly RegisteredLab[];
  shell: ShellValues;
  onShell(patch: Partial<ShellValues>): void;
  backendOpen: boolean;
  onToggleBackend(): void;
  /** The backend panel, shown under the badge when open. */
  backendPanel: ReactNode;
}) {
  // When the tabs do not all fit (a narrow window, a long backend name), the selected one is scrolled into the row.
  const tabsRef = useRef<HTMLElement>(null);
  useEffect(() => {
    const nav = tabsRef.current;
    const tab = nav?.querySelector<HTMLElement>('[aria-selected="true"]');
    if (!nav || !tab) return;
    const t = tab.getBoundingClientRect();
    const n = nav.getBoundingClientRect();
    if (t.left < n.left) nav.scrollLeft -= n.left - t.left;
    else if (t.right > n.right) nav.scrollLeft += t.right - n.right;
  }, [shell.tab]);
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          ∇²
        </span>
        <span className="brand-name">Tweedie Lab</span>
      </div>
      <nav className="tabs" role="tablist" aria-label="Labs" ref={tabsRef}>
        {labs.map((lab) => (
          <button
            key={lab.id}
            type="button"
            role="tab"
            id={`tab-${lab.id}`}
            aria-selected={lab.id === shell.tab}
            aria-controls="lab-panel"
            data-tab={lab.id}
            className="tab"
            onClick={() => onShell({ tab: lab.id })}
          >
            {lab.title}
          </button>
        ))}
      </nav>
      <div className="controls">
        <SeedControl seed={shell.seed} onChange={(seed) => onShell({ seed })} />
        <ShareButton />
        <BackendBadge open={backendOpen} onToggle={onToggleBackend} />
        {backendPanel}
      </div>
    </header>
  );
}
