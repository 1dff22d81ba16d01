#!/usr/bin/env node
// Generates the shapes of every JSON request body the policy validates, from the
// Docker Engine API specs: the union over all audited versions of each body's
// fields, with their JSON types. A unit test (libs/policy/src/dto/spec-coverage.dto.spec.ts)
// holds the class-validator DTOs the policy validates bodies with to these shapes,
// so a field the audited specs never defined never reaches the daemon.
// Usage: node tools/generate-body-shapes.js <spec-dir>
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const specDir = process.argv[2] || path.join(__dirname, '..', '..', 'shared', 'docker-api');
const BODIES = {
  containerCreate: ['/containers/create', 'post'],
  containerUpdate: ['/containers/{id}/update', 'post'],
  execCreate: ['/containers/{id}/exec', 'post'],
  execStart: ['/exec/{id}/start', 'post'],
  commit: ['/commit', 'post'],
  volumeCreate: ['/volumes/create', 'post'],
  networkCreate: ['/networks/create', 'post'],
  networkConnect: ['/networks/{id}/connect', 'post'],
  auth: ['/auth', 'post'],
};

// Fields the daemon's Go types decode that the specs omit, sent by real clients.
// Each is harmless and listed with the client that sends it.
const UNDOCUMENTED = {
  // docker CLI 20.10 and 28.x send "Detach": false in every exec create.
  execCreate: { Detach: { t: 'boolean' } },
};

function resolve(spec, schema, seen = []) {
  if (!schema) return { t: 'any' };
  if (schema.$ref) {
    const name = schema.$ref.replace('#/definitions/', '');
    if (seen.includes(name)) return { t: 'any' };
    return resolve(spec, spec.definitions[name], [...seen, name]);
  }
  if (schema.allOf) return schema.allOf.map((part) => resolve(spec, part, seen)).reduce(merge);
  const type = schema.type ?? (schema.properties || schema.additionalProperties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const shape = { t: 'object', props: {} };
      for (const [key, value] of Object.entries(schema.properties ?? {})) shape.props[key] = resolve(spec, value, seen);
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        shape.map = resolve(spec, schema.additionalProperties, seen);
      } else if (schema.additionalProperties === true) {
        shape.map = { t: 'any' };
      }
      return shape;
    }
    case 'array':
      return { t: 'array', items: resolve(spec, schema.items, seen) };
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return { t: type };
    default:
      return { t: 'any' };
  }
}

// Union of two versions' shapes; on a type conflict the newer version wins.
function merge(a, b) {
  if (a.t !== b.t) return b;
  if (a.t === 'object') {
    const props = { ...a.props };
    for (const [key, value] of Object.entries(b.props)) props[key] = props[key] ? merge(props[key], value) : value;
    const map = a.map && b.map ? merge(a.map, b.map) : a.map ?? b.map;
    return map ? { t: 'object', props, map } : { t: 'object', props };
  }
  if (a.t === 'array') return { t: 'array', items: merge(a.items, b.items) };
  return b;
}

const files = fs
  .readdirSync(specDir)
  .filter((f) => /^v1\.\d+\.yaml$/.test(f))
  .sort((a, b) => Number(a.slice(3, -5)) - Number(b.slice(3, -5)));
const shapes = {};
for (const file of files) {
  const spec = YAML.parse(fs.readFileSync(path.join(specDir, file), 'utf8'));
  for (const [kind, [route, method]] of Object.entries(BODIES)) {
    const body = (spec.paths[route][method].parameters ?? []).find((p) => p.in === 'body');
    const shape = resolve(spec, body.schema);
    shapes[kind] = shapes[kind] ? merge(shapes[kind], shape) : shape;
  }
}
for (const [kind, extra] of Object.entries(UNDOCUMENTED)) Object.assign(shapes[kind].props, extra);
const target = path.join(__dirname, '..', 'libs', 'policy', 'src', 'shapes', 'body-shapes.json');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, JSON.stringify({ generatedFrom: files, shapes }) + '\n');
const count = (s) => (s.t === 'object' ? Object.keys(s.props).length + Object.values(s.props).reduce((n, p) => n + count(p), 0) + (s.map ? count(s.map) : 0) : s.t === 'array' ? count(s.items) : 0);
for (const [kind, shape] of Object.entries(shapes)) console.log(`${kind}: ${count(shape)} fields`);
