/**
 * The page of `elunet serve`: two views, chosen by the URL's hash (#runs, the default, and #playground).
 * Each view is built the first time it is shown and keeps running when hidden, so a playground run goes on
 * while one looks at the runs on disk. `?poll=ms` sets how often the Runs view asks the server for news.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { RunsView } from './runs-view.js';
import { PlaygroundView } from './playground.js';

const params = new URLSearchParams(location.search);
const pollMs = Math.max(100, Number(params.get('poll')) || 1000);

let playground: PlaygroundView | null = null;

function setConnection(ok: boolean): void {
  const c = document.getElementById('conn')!;
  c.classList.toggle('ok', ok);
  c.classList.toggle('down', !ok);
  c.querySelector('.text')!.textContent = ok ? 'live' : 'server unreachable';
}

function show(): void {
  const view = location.hash === '#playground' ? 'playground' : 'runs';
  for (const v of ['runs', 'playground']) document.getElementById(`view-${v}`)!.hidden = v !== view;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) a.classList.toggle('active', a.dataset.view === view);
  if (view === 'playground' && !playground) playground = new PlaygroundView(document.getElementById('view-playground')!);
  // charts measure their width when shown
  window.dispatchEvent(new Event('resize'));
}

// the Runs view always runs: it also tells whether the server is reachable
new RunsView(document.getElementById('view-runs')!, pollMs, setConnection).start();
window.addEventListener('hashchange', show);
show();

/** For the browser tests and the curious. */
(window as unknown as { elunet: unknown }).elunet = {
  get playground() {
    return playground;
  },
};
