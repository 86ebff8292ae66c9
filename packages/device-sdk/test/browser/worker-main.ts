// The test worker: serves the SDK client to the page (OPFS outbox) and runs the storage conformance
// suite over the OPFS adapter when asked.
import { serveWorkerClient } from '../../src/worker.js';
import { installOpfsPool, OpfsBinding, openOpfsStorage, SqlOutboxStorage } from '../../src/worker.js';
import { runConformance, type StoreHarness } from '../storage/conformance.js';

function garble(bytes: Uint8Array): Uint8Array {
  const g = bytes.slice();
  for (let i = 100; i < g.length; i++) g[i] = (i * 7919 + 13) & 255;
  return g;
}

let n = 0;
async function opfsHarness(): Promise<StoreHarness> {
  // sqlite-wasm registers one VFS per name: the conformance pool gets its own name and directory.
  // A pool of its own (not the SDK's default directory), with room for every case's database + journal.
  const { sqlite3, pool } = await installOpfsPool({ directory: '.fw-conformance' });
  await pool.wipeFiles();
  await pool.reserveMinimumCapacity(2 * 8 + 2);
  return {
    name: 'sqlite-wasm/opfs-sahpool',
    create(o = {}) {
      const name = `/conformance-${Date.now()}-${++n}.db`;
      return {
        storage: () => new SqlOutboxStorage(new OpfsBinding(sqlite3, pool, name), o),
        crash: (s) => (s as unknown as { conn: { close(): void } | null }).conn?.close(),
        async corrupt() {
          await pool.importDb(name, garble(pool.exportFile(name)));
        },
      };
    },
  };
}

const scope = globalThis as unknown as { addEventListener(t: 'message', f: (e: { data: { op?: string } }) => void): void; postMessage(m: unknown): void };
scope.addEventListener('message', (e) => {
  if (e.data?.op === 'many-names') {
    // More outbox names in one origin than the pool's initial slots (6 = 3 databases with journals).
    void (async () => {
      const names: string[] = [];
      for (let i = 0; i < 5; i++) {
        const s = await openOpfsStorage({ name: `/many-${i}.db` });
        s.open();
        s.close();
        names.push(`/many-${i}.db`);
      }
      return names;
    })().then(
      (names) => scope.postMessage({ manyNames: { names } }),
      (err) => scope.postMessage({ manyNames: { error: String(err?.message ?? err) } }),
    );
    return;
  }
  if (e.data?.op !== 'conformance') return;
  void opfsHarness()
    .then((h) => runConformance(h))
    .then(
      (results) => scope.postMessage({ conformance: results }),
      (err) => scope.postMessage({ conformance: [{ name: 'harness', ok: false, error: String(err?.stack ?? err) }] }),
    );
});
serveWorkerClient();
