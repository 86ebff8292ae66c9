// Which README holds which options table, and how a table is put between its markers. Shared by
// scripts/readme-options.mjs (writes, from dist/) and test/unit/readme-options.test.ts (checks, from src/).

/** README path -> { block name -> Markdown table }, given a loader of a workspace's module by its folder. */
export async function README_TABLES(load) {
  const runtime = await load('packages/runtime');
  const gateway = await load('packages/gateway');
  const scoring = await load('packages/scoring');
  const sim = await load('firmware-sim');
  const demo = await load('demo');
  const md = runtime.renderOptionsMarkdown;
  return {
    'packages/gateway/README.md': { serve: md(gateway.OPTIONS, gateway.defaultConfig()) },
    'packages/scoring/README.md': { env: md(scoring.SCORING_OPTIONS, scoring.SCORING_DEFAULTS) },
    'firmware-sim/README.md': { run: md(sim.RUN_OPTIONS, sim.RUN_DEFAULTS), export: md(sim.EXPORT_OPTIONS, sim.EXPORT_DEFAULTS) },
    'demo/README.md': { demo: md(demo.DEMO_OPTIONS, demo.DEMO_DEFAULTS) },
  };
}

/** `text` with each block's table between <!-- options:NAME --> and <!-- /options:NAME -->. Throws on a missing marker. */
export function replaceTables(text, blocks, file) {
  let out = text;
  for (const [name, table] of Object.entries(blocks)) {
    const open = `<!-- options:${name} -->`;
    const close = `<!-- /options:${name} -->`;
    const a = out.indexOf(open);
    const b = out.indexOf(close);
    if (a < 0 || b < a) throw new Error(`${file}: no ${open} ... ${close} markers`);
    out = `${out.slice(0, a + open.length)}\n${table}${out.slice(b)}`;
  }
  return out;
}
