// Hash router: #/search?…, #/trace/<id>, #/map, #/sampling?….
import { renderSearch } from './search.js';
import { renderTrace } from './trace.js';
import { renderMap } from './map.js';
import { renderSampling } from './sampling.js';
import { h } from './format.js';

const view = document.getElementById('view');

async function route() {
  const hash = location.hash.replace(/^#/, '') || '/search';
  const [path, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', path.startsWith(`/${a.dataset.nav}`));
  view.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    if (path.startsWith('/trace/')) await renderTrace(view, decodeURIComponent(path.slice('/trace/'.length)));
    else if (path === '/map') await renderMap(view, params);
    else if (path === '/sampling') await renderSampling(view, params);
    else await renderSearch(view, params);
  } catch (err) {
    view.replaceChildren(h('div', { class: 'error-box', 'data-testid': 'error' }, err.message));
  }
}

document.getElementById('jump').addEventListener('submit', (e) => {
  e.preventDefault();
  const id = new FormData(e.target).get('id').trim();
  if (id) location.hash = `#/trace/${id}`;
});
window.addEventListener('hashchange', route);
route();
