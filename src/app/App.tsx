/**
 * The app shell: top bar (name, lab tabs, seed, share link, backend badge), the URL notice banner, and
 * the active lab with its explainer. All shown state lives in the store, which mirrors the URL.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { LABS } from './labs/index.ts';
import type { LabProps } from './labs/types.ts';
import { useStore, type AppStore } from './state/store.ts';
import type { LabValues, ShellValues } from './state/url.ts';
import { rememberExplain } from './state/explainChoice.ts';
import { engine } from './engine.ts';
import { TopBar } from './components/TopBar.tsx';
import { NoticeBanner } from './components/NoticeBanner.tsx';
import { BackendPanel } from './components/BackendPanel.tsx';
import { LabView } from './components/LabView.tsx';

export function App({ store }: { store: AppStore }) {
  const shell = useStore(store, (s) => s.shell);
  const notices = useStore(store, (s) => s.notices);
  const lab = LABS.find((l) => l.id === shell.tab) ?? LABS[0];
  const labValues = useStore(store, (s) => s.labs[lab.id]);
  const [backendOpen, setBackendOpen] = useState(false);

  useEffect(() => {
    engine.ensure(shell.backend);
  }, [shell.backend]);

  useEffect(() => {
    document.title = `Tweedie Lab · ${lab.title}`;
  }, [lab.title]);

  const setShell = useCallback((patch: Partial<ShellValues>) => store.setShell(patch), [store]);
  const closeBackend = useCallback(() => setBackendOpen(false), []);
  const setParams = useCallback((patch: Partial<LabValues>) => store.setLab(lab.id, patch), [store, lab.id]);
  const props: LabProps = useMemo(() => ({ params: labValues, setParams, seed: shell.seed }), [labValues, setParams, shell.seed]);

  return (
    <div className="app">
      <TopBar
        labs={LABS}
        shell={shell}
        onShell={setShell}
        backendOpen={backendOpen}
        onToggleBackend={() => setBackendOpen((o) => !o)}
        backendPanel={
          backendOpen && (
            <BackendPanel
              backend={shell.backend}
              seed={shell.seed}
              onBackend={(backend) => setShell({ backend })}
              onClose={closeBackend}
            />
          )
        }
      />
      <NoticeBanner notices={notices} onDismiss={store.dismissNotices} />
      <LabView key={lab.id} lab={lab} props={props} explainOpen={shell.explain} onExplain={(explain) => {
          setShell({ explain });
          rememberExplain(explain);
        }} />
    </div>
  );
}
