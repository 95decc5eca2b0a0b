// Records a hash of the page's sources next to the built bundle, so a test (without npm)
// can tell when the committed bundle is older than its sources. tests/test_webapp_page.py
// computes the same: sha256 over "path\0bytes\0" of each file, sorted by path.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const FILES = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts"];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const paths = [...FILES.map((f) => join(root, f)), ...walk(join(root, "src"))]
  .map((p) => relative(root, p).split(sep).join("/"))
  .sort();
const hash = createHash("sha256");
for (const path of paths) {
  hash.update(path + "\0");
  hash.update(readFileSync(join(root, path)));
  hash.update("\0");
}
const out = join(root, "..", "bot", "webapp", "static", "SOURCES.sha256");
writeFileSync(out, hash.digest("hex") + "\n");
console.log(`sources: ${paths.length} files -> ${relative(join(root, ".."), out)}`);
