// Formulas in item text: MathML, drawn natively where the browser can (Chromium 109+, Firefox,
// Safari); elsewhere by the MathJax copy the room server serves itself (never a CDN: the exam
// LAN has no internet), loaded only once a page actually holds a formula.
const MATHJAX_URL = '/static/vendor/mathjax/mml-chtml.js';
const FONT_URL = '/static/vendor/mathjax/fonts';

let nativeSupport = null;
let loading = null;

/** MDN's feature test: an mspace of a known size is laid out only by a MathML engine. */
export function hasNativeMathML() {
  if (window.CACT_FORCE_MATHJAX) return false;
  if (nativeSupport !== null) return nativeSupport;
  const probe = document.createElement('div');
  probe.style.position = 'absolute';
  probe.style.visibility = 'hidden';
  probe.innerHTML = '<math><mspace height="23px" width="77px"></mspace></math>';
  document.body.appendChild(probe);
  const box = probe.firstChild.getBoundingClientRect();
  document.body.removeChild(probe);
  nativeSupport = Math.abs(box.height - 23) <= 1 && Math.abs(box.width - 77) <= 1;
  return nativeSupport;
}

function loadMathJax() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      window.MathJax = {
        startup: { typeset: false },
        options: { enableMenu: false, enableAssistiveMml: false },
        chtml: { fontURL: FONT_URL },
      };
      const script = document.createElement('script');
      script.src = MATHJAX_URL;
      script.async = true;
      script.onload = () => window.MathJax.startup.promise.then(resolve, reject);
      script.onerror = () => {
        loading = null;
        reject(new Error('MathJax could not be loaded'));
      };
      document.head.appendChild(script);
    });
  }
  return loading;
}

/** Draw the formulas inside `el`; resolves true when MathJax drew them, false when not needed. */
export function renderMath(el) {
  if (!el || !el.querySelector || !el.querySelector('math') || hasNativeMathML()) {
    return Promise.resolve(false);
  }
  return loadMathJax()
    .then(() => window.MathJax.typesetPromise([el]))
    .then(() => true, () => false);
}
