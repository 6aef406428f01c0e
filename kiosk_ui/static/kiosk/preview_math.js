// Editor pages render their formulas as the kiosk does (a file: the page policy allows no inline script).
import { renderMath } from "/static/kiosk/math.js";

renderMath(document.querySelector(".editor") || document.body);
