// Starts the GOV.UK Frontend components. Loaded as a module, so browsers that
// cannot run it fall back to the plain HTML, which works on its own.
import { initAll } from "./govuk-frontend.min.js";

initAll();
