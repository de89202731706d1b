// render.cjs reads a JSON job list on stdin:
//   [{"zpl": "...", "widthMm": 101.6, "heightMm": 152.4, "dpmm": 8, "out": "prefix"}]
// and writes prefix-0.png, prefix-1.png, ... (one PNG per ^XA...^XZ label).
// It prints {"files": [[...], ...]} on stdout. Used by printers/render_test.go.
"use strict";
const fs = require("node:fs");
const { ready } = require("zpl-renderer-js");

async function main() {
  const jobs = JSON.parse(fs.readFileSync(0, "utf8"));
  const { api } = await ready;
  const files = [];
  for (const j of jobs) {
    const pngs = await api.zplToBase64MultipleAsync(j.zpl, j.widthMm, j.heightMm, j.dpmm);
    const out = pngs.map((b64, i) => {
      const name = `${j.out}-${i}.png`;
      fs.writeFileSync(name, Buffer.from(b64, "base64"));
      return name;
    });
    files.push(out);
  }
  process.stdout.write(JSON.stringify({ files }));
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`render: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
