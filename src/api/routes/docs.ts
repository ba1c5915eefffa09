/**
 * The API's contract, readable without a token: the OpenAPI document at /api/v1/openapi.json and a
 * reference page at /api/v1/docs. The page is ours (no CDN, no renderer package): a static HTML
 * shell and a script from this origin that lists the document's operations, so it runs under
 * helmet's default Content-Security-Policy (script-src 'self', no inline script or handlers).
 */
import { Router } from 'express';
import { openApiDocument } from '../openapi';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tuning service API reference</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1.5rem; color: #1f2328; }
  h1 { margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; text-transform: capitalize; }
  details.op { border: 1px solid #d0d7de; border-radius: 6px; margin: .5rem 0; }
  details.op > summary { cursor: pointer; padding: .5rem .75rem; font-family: ui-monospace, monospace; }
  details.op > div { padding: 0 1rem 1rem; }
  .method { display: inline-block; min-width: 4.5rem; font-weight: 700; text-transform: uppercase; }
  .get { color: #0969da; } .post { color: #1a7f37; } .patch { color: #9a6700; } .delete { color: #cf222e; }
  .summary { font-family: system-ui, sans-serif; color: #57606a; margin-left: .75rem; }
  .public { font-size: .8em; background: #ddf4ff; border-radius: 4px; padding: 0 .4em; margin-left: .5rem; }
  ul.schema { list-style: none; padding-left: 1.2rem; margin: .2rem 0; font-family: ui-monospace, monospace; font-size: .9em; }
  .type { color: #8250df; } .req { color: #cf222e; } .desc { color: #57606a; font-family: system-ui, sans-serif; }
  code { background: #f6f8fa; padding: 0 .3em; border-radius: 4px; }
</style>
</head>
<body>
<h1 id="title">API reference</h1>
<p id="description">Loading <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>…</p>
<main id="operations"></main>
<script src="/api/v1/docs/docs.js"></script>
</body>
</html>
`;

/** Renders the document's operations grouped by tag, with parameters, request bodies and response schemas (DOM text only, no HTML from the document). */
const SCRIPT = `'use strict';
(async function () {
  const spec = await (await fetch('/api/v1/openapi.json')).json();
  const schemas = (spec.components && spec.components.schemas) || {};
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    children.flat().forEach((c) => node.append(c));
    return node;
  };
  const refName = (ref) => ref.split('/').pop();
  const typeOf = (s) => {
    if (!s) return 'any';
    if (s.$ref) return refName(s.$ref);
    if (s.const !== undefined) return JSON.stringify(s.const);
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
    const options = s.oneOf || s.anyOf;
    if (options) return options.map(typeOf).join(' | ');
    if (s.type === 'array') return typeOf(s.items) + '[]';
    const type = Array.isArray(s.type) ? s.type.join(' | ') : s.type || 'object';
    return s.format ? type + ' (' + s.format + ')' : type;
  };
  // Fields of an object schema, expanding references once per branch so cycles stop.
  const fields = (s, seen) => {
    if (!s) return [];
    if (s.$ref) {
      const name = refName(s.$ref);
      return seen.has(name) ? [] : fields(schemas[name], new Set([...seen, name]));
    }
    if (s.allOf) return s.allOf.flatMap((part) => fields(part, seen));
    if (s.type === 'array') return fields(s.items, seen);
    const options = s.oneOf || s.anyOf;
    if (options) {
      const withFields = options.map((option) => [option, fields(option, seen)]).filter(([, list]) => list.length > 0);
      if (withFields.length === 1) return withFields[0][1];
      return withFields.map(([option, list]) => el('li', {}, el('em', {}, 'one of: ' + typeOf(option)), el('ul', { class: 'schema' }, list)));
    }
    const required = new Set(s.required || []);
    const entries = Object.entries(s.properties || {});
    if (s.additionalProperties && typeof s.additionalProperties === 'object') entries.push(['<name>', s.additionalProperties]);
    return entries.map(([name, prop]) =>
      el('li', {}, name, required.has(name) ? el('span', { class: 'req' }, '*') : '', ': ', el('span', { class: 'type' }, typeOf(prop)),
        prop.description ? el('span', { class: 'desc' }, '  ' + prop.description) : '',
        el('ul', { class: 'schema' }, fields(prop, seen))),
    );
  };
  const schemaBlock = (label, s) => el('div', {}, el('strong', {}, label), ' ', el('span', { class: 'type' }, typeOf(s)), el('ul', { class: 'schema' }, fields(s, new Set())));

  document.getElementById('title').textContent = spec.info.title + ' (OpenAPI ' + spec.openapi + ')';
  document.getElementById('description').textContent = spec.info.description || '';
  const byTag = new Map();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  }
  const main = document.getElementById('operations');
  for (const [tag, ops] of byTag) {
    main.append(el('h2', {}, tag));
    for (const { path, method, op } of ops) {
      const body = [];
      const params = op.parameters || [];
      if (params.length) {
        body.push(el('strong', {}, 'Parameters'), el('ul', { class: 'schema' }, params.map((p) =>
          el('li', {}, p.name, p.required ? el('span', { class: 'req' }, '*') : '', ' (' + p.in + '): ', el('span', { class: 'type' }, typeOf(p.schema))))));
      }
      const request = op.requestBody && op.requestBody.content['application/json'];
      if (request) body.push(schemaBlock('Request body', request.schema));
      for (const [status, response] of Object.entries(op.responses)) {
        const content = response.content || {};
        const type = Object.keys(content)[0];
        body.push(type ? schemaBlock(status + ' ' + response.description + ' (' + type + ')', content[type].schema) : el('div', {}, el('strong', {}, status + ' ' + response.description)));
      }
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      main.append(el('details', { class: 'op', id: method + ' ' + path },
        el('summary', {}, el('span', { class: 'method ' + method }, method), path, el('span', { class: 'summary' }, op.summary || ''), isPublic ? el('span', { class: 'public' }, 'no token') : ''),
        el('div', {}, body)));
    }
  }
})().catch((err) => { document.getElementById('description').textContent = 'Could not load the OpenAPI document: ' + err; });
`;

export function docsRoutes(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/docs/docs.js', (_req, res) => {
    res.type('text/javascript').send(SCRIPT);
  });
  return router;
}
