/** `elunet serve`: the live training page (src/serve/server.ts) over run folders, until Ctrl-C. */
import { existsSync } from 'node:fs';
import { isLoopback, startServer } from '../serve/server.js';
import { findRuns } from '../serve/runs.js';

export interface ServeCommandOptions {
  host: string;
  port: number;
}

export async function serveCommand(folders: string[], opts: ServeCommandOptions): Promise<void> {
  const roots = folders.length > 0 ? folders : ['runs'];
  const s = await startServer({ roots, host: opts.host, port: opts.port });
  // a folder a training has yet to create (runs/ before `npm start` gets there) is served once it appears
  for (const r of roots) if (!existsSync(r)) console.log(`note: ${r} does not exist yet; its runs will appear when it does`);
  if (!isLoopback(opts.host)) {
    console.log(
      `warning: listening on ${opts.host}, not on loopback: anyone who can reach this machine on port ${s.port} can read every file below ${roots.join(', ')}`,
    );
  }
  // Ctrl-C closes the server; listening before the URL is printed, so that a script that reads the URL and
  // stops the server at once is not too quick for it (a second Ctrl-C kills as usual)
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void s.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const n = findRuns(roots.map((r) => (existsSync(r) ? r : null))).length;
  console.log(`serving ${roots.join(', ')} (${n} run${n === 1 ? '' : 's'} found; new ones appear as they start)`);
  console.log(`open ${s.url}   (playground: ${s.url}#playground)   Ctrl-C stops`);
  await stopped;
}
