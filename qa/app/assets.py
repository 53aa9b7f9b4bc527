"""The web app's stylesheet and browser-side scripts (constants only; ``ui.py`` passes them to Gradio).

The CSS styles the classes that ``qa.app.render`` writes (``qa-cite``, ``qa-hl``, ``qa-boiler``...);
the scripts use Gradio's ``js_on_load`` API (``trigger``, ``watch``, ``element``).
"""

import json

from qa.app.chat import ALONE_PREFIX
from qa.app.render import ASK_PREFIX

CSS = """
.gradio-container { max-width: 1500px !important; }
#qa-header h1 { margin-bottom: 0; }
/* The "Create" button sits on the name box's baseline instead of stretching to its height. */
#qa-new-row { align-items: flex-end; }
#qa-new-collection { flex-grow: 0; align-self: flex-end; }
#qa-header p { margin-top: 4px; color: var(--body-text-color-subdued); }
.qa-meta { color: var(--body-text-color-subdued); font-size: 0.85em; }
.qa-q { white-space: normal; }
.qa-answer code.qa-code { display: block; white-space: pre-wrap; font-family: var(--font-mono, monospace); font-size: 0.92em; }
.qa-answer blockquote.qa-quote { margin: 0 0 8px 0; padding: 6px 12px; border-left: 4px solid var(--color-accent);
  background: var(--background-fill-secondary); border-radius: 4px; font-size: 1.02em; }
.qa-cite { color: var(--primary-600); cursor: pointer; font-weight: 600;
  text-decoration: none; border-radius: 3px; }
.qa-cite:hover, .qa-cite:focus { text-decoration: underline; outline: none; }
sup .qa-cite { padding: 0 2px; }
.qa-agree { display: inline-block; margin: 2px 0 8px; padding: 1px 10px; border-radius: 999px;
  background: #dcfce7; color: #166534; font-size: 0.85em; font-weight: 600; }
.qa-also { font-size: 0.92em; margin-bottom: 6px; }
.qa-also ul, .qa-sources ol, .qa-closest ul { margin: 4px 0 4px 0; padding-left: 22px; }
.qa-also li, .qa-sources li, .qa-closest li { margin: 3px 0; }
.qa-h { font-weight: 600; font-size: 0.85em; text-transform: uppercase; letter-spacing: .04em;
  color: var(--body-text-color-subdued); margin-top: 6px; }
.qa-tag { font-size: 0.75em; padding: 0 6px; border-radius: 999px; background: var(--background-fill-secondary);
  color: var(--body-text-color-subdued); }
.qa-time { margin-top: 6px; }
.qa-none { font-weight: 700; font-size: 1.05em; }
.qa-closest { margin-top: 8px; padding: 6px 10px; border: 1px dashed var(--border-color-primary); border-radius: 6px; }
.qa-snippet { color: var(--body-text-color-subdued); font-size: 0.9em; font-style: italic; }
.qa-error { color: #b45309; }
.qa-ok { color: #15803d; font-weight: 600; }
.qa-stale { color: #b45309; font-weight: 600; }
.qa-status { margin: 4px 0; }
.qa-doc { border: 1px solid var(--border-color-primary); border-radius: 8px; background: var(--background-fill-primary); }
.qa-doc-empty { padding: 24px; color: var(--body-text-color-subdued); min-height: 200px; }
.qa-doc-head { padding: 10px 14px; border-bottom: 1px solid var(--border-color-primary);
  background: var(--background-fill-secondary); border-radius: 8px 8px 0 0; }
.qa-doc-title { font-weight: 700; font-size: 1.05em; }
.qa-doc-note { font-size: 0.8em; margin-top: 4px; color: var(--body-text-color-subdued); }
.qa-doc-body { position: relative; white-space: pre-wrap; overflow-wrap: anywhere; padding: 12px 14px;
  max-height: 62vh; overflow-y: auto; line-height: 1.55; font-size: 0.95em; }
.qa-doc-more { padding: 6px 14px; font-size: 0.85em; }
.qa-code { font-family: var(--font-mono, monospace); font-size: 0.92em; background: var(--background-fill-secondary); }
.qa-boiler { opacity: 0.45; text-decoration: line-through; text-decoration-color: rgba(127,127,127,.5); }
strong.qa-key { background: #e0e7ff; border-radius: 2px; padding: 0 1px; }
.qa-differ { background: #fef3c7 !important; color: #92400e !important; }
.qa-differs { color: #b45309; font-size: 0.85em; }
mark.qa-hl { background: #fde68a; color: inherit; padding: 1px 0; border-radius: 2px; box-shadow: 0 0 0 1px #f59e0b; }
#qa-bridge { display: none !important; }
/* The chat's own clear icon overlaps the first message; the Clear button below does the job. */
#qa-chat .icon-button-wrapper.top-panel { display: none; }
#qa-chat button.example { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 14px;
  background: var(--background-fill-secondary); text-align: left; }
#qa-chat button.example:hover { border-color: var(--primary-400); background: var(--primary-50); }
.qa-closest li .qa-cite { font-weight: 500; }
.qa-suggest { margin-top: 4px; }
.qa-ask { color: var(--primary-600); cursor: pointer; font-weight: 600; text-decoration: none; }
.qa-ask:hover, .qa-ask:focus { text-decoration: underline; }
.qa-understood { font-size: 0.9em; color: var(--body-text-color-subdued); margin-bottom: 6px; }
.qa-understood q { color: var(--body-text-color); }
.qa-alone { color: var(--primary-600); cursor: pointer; font-weight: 600; text-decoration: none; }
.qa-alone:hover, .qa-alone:focus { text-decoration: underline; }
.qa-choices ul { margin: 4px 0 0 1.2em; }
.qa-table .cell-wrap span { font-family: var(--font); }
"""

# Clicking any link with class "qa-cite" (in the chat, anywhere) sends its target to Python
# (its href) through the hidden bridge component's custom "cite" event. One document-level listener is bound
# once; a re-mounted bridge only refreshes the function it calls.
BRIDGE_JS = """
window.__qaCite = (ref) => trigger('cite', {ref: ref});
// A "show earlier/later text" link inside the Corpus tab's viewer reloads that viewer instead.
window.__qaMore = (ref) => trigger('more', {ref: ref});
window.__qaAlone = (question) => trigger('alone', {question: question});
if (!window.__qaCiteBound) {
  window.__qaCiteBound = true;
  const open = (event) => {
    const el = event.target && event.target.closest ? event.target.closest('.qa-cite') : null;
    if (!el) return;
    if (event.type === 'keydown' && event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    event.stopPropagation();
    (el.closest('#qa-corpus-viewer') ? window.__qaMore : window.__qaCite)(el.getAttribute('href'));
  };
  document.addEventListener('click', open, true);
  document.addEventListener('keydown', open, true);
}
// An "ask on its own" link (class "qa-alone", href ALONE_PREFIX + the URL-quoted question) asks
// its question again without the conversation, through the bridge's "alone" event.
if (!window.__qaAloneBound) {
  window.__qaAloneBound = true;
  document.addEventListener('click', (event) => {
    const el = event.target && event.target.closest ? event.target.closest('.qa-alone') : null;
    if (!el) return;
    event.preventDefault();
    event.stopPropagation();
    const href = el.getAttribute('href') || '';
    const prefix = """ + json.dumps(ALONE_PREFIX) + """;
    if (href.startsWith(prefix)) window.__qaAlone(decodeURIComponent(href.slice(prefix.length)));
  }, true);
}
// A "Did you mean" link (class "qa-ask", href ASK_PREFIX + the URL-quoted question) puts its
// question in the question box and asks it, as if typed.
if (!window.__qaAskBound) {
  window.__qaAskBound = true;
  document.addEventListener('click', (event) => {
    const el = event.target && event.target.closest ? event.target.closest('.qa-ask') : null;
    if (!el) return;
    event.preventDefault();
    event.stopPropagation();
    const href = el.getAttribute('href') || '';
    const box = document.querySelector('#qa-question textarea');
    const button = document.querySelector('#qa-ask');
    const prefix = """ + json.dumps(ASK_PREFIX) + """;
    if (!href.startsWith(prefix) || !box || !button) return;
    box.value = decodeURIComponent(href.slice(prefix.length));
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => button.click(), 50);
  }, true);
}
"""

# After the document viewer re-renders, scroll its text box (only) to the first highlighted span.
VIEWER_JS = """
const reveal = () => {
  const mark = element.querySelector('.qa-doc-body mark.qa-hl');
  const box = element.querySelector('.qa-doc-body');
  if (!mark || !box) return;
  box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  const r = element.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight) element.scrollIntoView({block: 'start', behavior: 'smooth'});
};
watch('value', () => requestAnimationFrame(reveal));
"""
