/**
 * Browser entry: reads the URL into the store (writing back the cleaned-up URL), keeps the two in sync,
 * and renders the app.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { LABS } from './app/labs/index.ts';
import { createAppStore, replaceUrlSearch } from './app/state/store.ts';
import { engine } from './app/engine.ts';
import { rememberedExplain } from './app/state/explainChoice.ts';
import './app/styles.css';

const store = createAppStore(LABS, window.location.search, replaceUrlSearch);
// The explainer opens as the reader last left it, unless the link itself says.
const remembered = rememberedExplain();
if (remembered !== null && !new URLSearchParams(window.location.search).has('explain')) store.setShell({ explain: remembered });
replaceUrlSearch(store.search());
window.addEventListener('popstate', () => store.load(window.location.search));
// Start the engine (worker + backend choice) before the first render, so any job a lab starts waits on it.
engine.ensure(store.getState().shell.backend);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
