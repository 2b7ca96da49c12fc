// Builds the front-end assets into build/assets (served at /assets).
// GOV.UK Frontend is compiled from Sass so that it uses an Arial font stack:
// riskreg is not a GOV.UK service and must not use the GDS Transport typeface.
import { cpSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "assets");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "javascripts"), { recursive: true });

const css = sass.compile(join(root, "assets", "riskreg.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "riskreg.css"), css.css);

cpSync(join(govuk, "assets", "images"), join(out, "images"), { recursive: true });
cpSync(join(govuk, "assets", "manifest.json"), join(out, "manifest.json"));
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "javascripts", "govuk-frontend.min.js"));
cpSync(join(root, "assets", "riskreg.mjs"), join(out, "javascripts", "riskreg.mjs"));
console.log(`assets built in ${out}`);
