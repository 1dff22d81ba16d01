#!/usr/bin/env node
// Extracts every endpoint (method, path template, query parameter names) from the
// Docker Engine API specs into a compact JSON file the policy and its tests use.
// The specs are the reference; the JSON is committed so tests and the build do not
// depend on the specs' location. Usage: node tools/generate-api-routes.js <spec-dir>
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const specDir = process.argv[2] || path.join(__dirname, '..', '..', 'shared', 'docker-api');
const files = fs
  .readdirSync(specDir)
  .filter((f) => /^v1\.\d+\.yaml$/.test(f))
  .sort((a, b) => Number(a.slice(3, -5)) - Number(b.slice(3, -5)));
const routes = new Map();
for (const file of files) {
  const version = file.slice(1, -5);
  const spec = YAML.parse(fs.readFileSync(path.join(specDir, file), 'utf8'));
  for (const [template, operations] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      if (!['get', 'post', 'put', 'delete', 'head'].includes(method)) continue;
      const key = `${method.toUpperCase()} ${template}`;
      const entry = routes.get(key) ?? { method: method.toUpperCase(), path: template, versions: [], query: {} };
      entry.versions.push(version);
      for (const p of op.parameters ?? []) {
        if (p.in !== 'query') continue;
        (entry.query[p.name] ??= []).push(version);
      }
      routes.set(key, entry);
    }
  }
}
const out = [...routes.values()]
  .sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)))
  .map((r) => ({
    method: r.method,
    path: r.path,
    versions: [r.versions[0], r.versions[r.versions.length - 1]],
    query: Object.fromEntries(Object.entries(r.query).sort().map(([k, v]) => [k, [v[0], v[v.length - 1]]])),
  }));
const target = path.join(__dirname, '..', 'libs', 'policy', 'src', 'routes', 'docker-api-routes.json');
fs.writeFileSync(target, JSON.stringify({ generatedFrom: files, routes: out }, null, 1) + '\n');
console.log(`${out.length} routes from ${files.length} specs -> ${path.relative(process.cwd(), target)}`);
